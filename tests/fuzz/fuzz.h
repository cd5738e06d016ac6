/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost-fuzz: a seeded, coverage-guided fuzzer for the vhost device nodes.
 * See tests/fuzz/README.md for the design; fuzz.c holds everything.
 */
#ifndef VHOST_FUZZ_H
#define VHOST_FUZZ_H

#include <stdbool.h>
#include <stdint.h>

/* One operation of a program.  Plain data: programs are copied, mutated,
 * printed and parsed back, and the same op always does the same thing
 * given the same kernel answers.
 */
struct op {
	uint8_t kind;		/* enum op_kind */
	uint8_t slot;		/* device fd slot */
	uint16_t vq;		/* virtqueue index (may be garbage) */
	uint32_t x;		/* small selector: argument class, fd choice */
	uint64_t a, b;		/* arguments, or seeds for sub-generators */
};

#define PROG_MAX 128

struct prog {
	unsigned int n;
	struct op ops[PROG_MAX];
};

#endif
