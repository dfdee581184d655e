/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jsonl.h - the line framing shared by the daemon's API and the dataplane protocol
 * (docs/protocol.md): one compact JSON object per '\n'-terminated line, at most JSONL_MAX
 * bytes, "v": 1 on every message.
 */
#ifndef SL_JSONL_H
#define SL_JSONL_H

#include <stddef.h>

#include <event2/buffer.h>
#include <jansson.h>

#define JSONL_VERSION 1
#define JSONL_MAX     (4u << 20)

/*
 * Take one line off buf. Returns 1 and *out (a JSON object, caller decrefs), 0 when no complete
 * line is buffered yet, or a negative errno with a message in err: -EMSGSIZE (line or buffer
 * longer than JSONL_MAX), -EINVAL (not a JSON object; the line is consumed).
 */
int jsonl_read(struct evbuffer *buf, json_t **out, char *err, size_t errlen);
/* Append msg (adds "v": 1) as one line. 0 or a negative errno. Does not steal msg. */
int jsonl_write(struct evbuffer *buf, json_t *msg);
/* A reply {"v":1,"id":id,"ok":true} (id may be NULL: null); add members to it. */
json_t *jsonl_ok(json_t *id);
/* A reply {"v":1,"id":id,"ok":false,"error":"..."} */
json_t *jsonl_error(json_t *id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* SL_JSONL_H */
