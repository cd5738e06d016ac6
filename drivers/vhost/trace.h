/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints on the ring hot path: kicks in, chains fetched, calls out.
 * Devices are named by their serial (the debugfs directory suffix).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vhost

#if !defined(VHOST_OOT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define VHOST_OOT_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(vhost_kick,
	TP_PROTO(u32 dev, u32 vq),
	TP_ARGS(dev, vq),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(u32, vq)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->vq = vq;
	),
	TP_printk("dev=%u vq=%u", __entry->dev, __entry->vq)
);

TRACE_EVENT(vhost_fetch,
	TP_PROTO(u32 dev, u32 vq, u16 id, size_t out, size_t in),
	TP_ARGS(dev, vq, id, out, in),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(u32, vq)
		__field(u16, head)
		__field(size_t, out)
		__field(size_t, in)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->vq = vq;
		__entry->head = id;
		__entry->out = out;
		__entry->in = in;
	),
	TP_printk("dev=%u vq=%u head=%u out=%zu in=%zu", __entry->dev,
		  __entry->vq, __entry->head, __entry->out, __entry->in)
);

TRACE_EVENT(vhost_call,
	TP_PROTO(u32 dev, u32 vq, u16 used_idx),
	TP_ARGS(dev, vq, used_idx),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(u32, vq)
		__field(u16, used_idx)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->vq = vq;
		__entry->used_idx = used_idx;
	),
	TP_printk("dev=%u vq=%u used_idx=%u", __entry->dev, __entry->vq,
		  __entry->used_idx)
);

#endif /* VHOST_OOT_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
