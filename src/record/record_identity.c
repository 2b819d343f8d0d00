/*
** record_identity.c: who the patient is: the record's "name" (a display
** name) and "identifiers" ([{system, value, type}], the medical record
** number among them, type "MR").
**
** Read as strictly as every other field (unknown members, wrong types,
** lengths, control characters refused, the field named by its path), with
** one difference: an error never quotes the value. A name or an MRN is
** identifying, and the reader's messages go to stderr, to logs and to the
** screen's bad-line reports; so they say what kind of value was found and
** what is wrong with it ("longer than 200 characters"), not what it was.
*/
#include <string.h>

#include "../json/json.h"
#include "../util/ctlchar.h"
#include "record_rd.h"

#define KEY(s) json_str_eqn(&r->doc, key, s, sizeof(s) - 1)

/* What kind of value token i is, without its content. */
static const char *kind_of(rd *r, int i) {
  bool b;
  switch (r->doc.tok[i].type) {
    case JT_OBJECT: return "an object";
    case JT_ARRAY: return "an array";
    case JT_STRING: return "a string";
    default: break;
  }
  if (json_is_null(&r->doc, i)) return "null";
  if (json_is_bool(&r->doc, i, &b)) return b ? "true" : "false";
  return "a number";
}

/* A printable text of 1..max characters at token i into *out. A control
** character (C0, DEL, C1, NUL) is refused by its position and code point:
** a name is shown on screens and in spreadsheets, where one would act. */
static bool rd_text(rd *r, int i, int max, const char *what, const char **out) {
  if (r->doc.tok[i].type != JT_STRING) return rec_fail(r, "expected %s (a string), got %s", what, kind_of(r, i));
  size_t len = 0;
  const char *s = json_string(r->a, &r->doc, i, &len);
  if (!s) return rec_fail(r, "out of memory");
  int chars = 0;
  bool blank = true;
  for (size_t k = 0; k < len; k++) {
    unsigned char c = (unsigned char)s[k];
    if ((c & 0xc0u) == 0x80u) continue; /* a continuation byte: the same character */
    chars++;
    unsigned cp = c;
    if (c == 0 || ctl_at(s + k, &cp))
      return rec_fail(r, "character %d is a control character (U+%04X): %s is printable text", chars, cp, what);
    if (c != ' ') blank = false;
  }
  if (blank) return rec_fail(r, "expected %s, got %s", what, len ? "only spaces" : "an empty string");
  if (chars > max) return rec_fail(r, "expected at most %d characters, got %d", max, chars);
  *out = s;
  return true;
}

bool rec_read_name(rd *r, int val, op_record *rec) {
  return rd_text(r, val, OP_NAME_MAX_CHARS, "a display name", &rec->name);
}

/* ---- identifiers[] ------------------------------------------------------ */

typedef struct {
  op_identifier *id;
  bool system, value;
} id_ctx;

static bool id_member(rd *r, int key, int val, void *vctx) {
  id_ctx *c = vctx;
  if (KEY("system")) {
    c->system = true;
    return rd_text(r, val, OP_ID_SYSTEM_MAX_CHARS, "the identifier's system (a URI)", &c->id->system);
  }
  if (KEY("value")) {
    c->value = true;
    return rd_text(r, val, OP_ID_VALUE_MAX_CHARS, "the identifier's value", &c->id->value);
  }
  if (KEY("type")) {
    if (json_is_null(&r->doc, val)) return true;
    return rd_text(r, val, OP_ID_TYPE_MAX_CHARS, "the identifier's type (e.g. MR)", &c->id->type);
  }
  return rec_fail(r, "unknown field (allowed here: system, value, type)");
}

static bool id_elem(rd *r, int idx, int tok, void *vctx) {
  op_record *rec = vctx;
  id_ctx c = {&rec->identifiers[idx], false, false};
  if (r->doc.tok[tok].type != JT_OBJECT)
    return rec_fail(r, "expected an object {system, value, type}, got %s", kind_of(r, tok));
  if (!rec_each_member(r, tok, id_member, &c)) return false;
  if (!c.system) return rec_fail(r, "system is required");
  if (!c.value) return rec_fail(r, "value is required");
  return true;
}

bool rec_read_identifiers(rd *r, int val, op_record *rec) {
  const json_tok *t = &r->doc.tok[val];
  if (t->type != JT_ARRAY) return rec_fail(r, "expected an array of {system, value, type}, got %s", kind_of(r, val));
  if (t->size > OP_IDENTIFIERS_MAX)
    return rec_fail(r, "expected at most %d identifiers, got %d", OP_IDENTIFIERS_MAX, t->size);
  rec->identifiers = arena_array(r->a, (size_t)t->size + 1, sizeof(op_identifier));
  if (!rec->identifiers) return rec_fail(r, "out of memory");
  if (!rec_each_elem(r, val, id_elem, rec, &rec->n_identifiers)) return false;
  /* the medical record number: the first identifier of type MR */
  for (int i = 0; i < rec->n_identifiers && !rec->mrn; i++)
    if (rec->identifiers[i].type && !strcmp(rec->identifiers[i].type, "MR")) rec->mrn = rec->identifiers[i].value;
  return true;
}
