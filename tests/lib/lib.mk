# SPDX-License-Identifier: GPL-2.0
#
# What the userspace programs under tests/ build alike: the flags of the
# suites and the objects of tests/lib (read-only here).  Included by
# tests/{suites,bench,demo,faultinject}/Makefile after they set
#
#   TOP       the top of the tree
#   B         where objects and programs go
#   LIB_SRCS  the tests/lib sources the programs link
#
# and before their own rules.  It gives CFLAGS, CPPFLAGS, LDLIBS, LIB_OBJS
# (in $(B)/lib/) and LIB_HDRS, and the rules that compile tests/lib and
# the program's own sources (which also depend on the headers next to
# them) and make $(B) and $(B)/lib.  "all" stays the default goal.

CC     ?= cc
CFLAGS := -O2 -g -Wall -Wextra -Werror -I$(TOP)/include/uapi -pthread
CPPFLAGS := -I$(TOP)/tests/lib
LDLIBS := -pthread

LIBDIR := $(TOP)/tests/lib
LIB_OBJS := $(addprefix $(B)/lib/,$(LIB_SRCS:.c=.o))
LIB_HDRS := $(wildcard $(LIBDIR)/*.h)

.DEFAULT_GOAL := all

$(B)/lib/%.o: $(LIBDIR)/%.c $(LIB_HDRS) | $(B)/lib
	$(CC) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(B)/%.o: %.c $(wildcard *.h) $(LIB_HDRS) | $(B)
	$(CC) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(B) $(B)/lib:
	mkdir -p $@

.SECONDARY:
