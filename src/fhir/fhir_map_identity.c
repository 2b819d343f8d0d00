/*
** fhir_map_identity.c: who the patient is, from FHIR: Patient.name and
** Patient.identifier -> the record's "name" and "identifiers".
**
** Neither is needed for a plan, so nothing here can cost the patient one:
** what cannot be read is an input note. The notes say what was wrong and
** never quote a name or an identifier (a note can reach a log); the record
** reader checks the values themselves (lengths, control characters), and
** what it refuses is dropped with a note like any other field.
*/
#include <string.h>

#include "fhir_mapper.h"
#include "record/record.h"
#include "util/strbuf.h"

#define V2_0203 "http://terminology.hl7.org/CodeSystem/v2-0203"

/* A string member that holds more than spaces, or NULL. */
static const char *text_of(mapper *m, const json_doc *d, int tok) {
  const char *s = fj_str(m->a, d, tok);
  return s && s[strspn(s, " ")] ? s : NULL;
}

/* ---- Patient.name ------------------------------------------------------- */

/* The HumanName to show: use official, else usual, else the first not
** marked old (a former name), else the first. -1: none. */
static int choose_name(const json_doc *d, int names) {
  static const char *const uses[] = {"official", "usual"};
  for (int u = 0; u < 3; u++) {
    int j = names + 1;
    for (int k = 0; k < d->tok[names].size; k++, j = json_next(d, j)) {
      int use = fj_get(d, j, "use");
      if (d->tok[j].type != JT_OBJECT) continue;
      if (u < 2 ? fj_is(d, use, uses[u]) : !fj_is(d, use, "old")) return j;
    }
  }
  return d->tok[names].size ? names + 1 : -1;
}

/* HumanName hn as one line: its text, else the given names and the family
** name joined with spaces. NULL when it holds none of them. */
static const char *name_text(mapper *m, const json_doc *d, int hn) {
  const char *text = text_of(m, d, fj_get(d, hn, "text"));
  if (text) return text;
  strbuf b;
  sb_init(&b, m->a);
  int given = fj_get(d, hn, "given");
  if (given >= 0 && d->tok[given].type == JT_ARRAY) {
    int j = given + 1;
    for (int k = 0; k < d->tok[given].size; k++, j = json_next(d, j)) {
      const char *g = text_of(m, d, j);
      if (g) sb_cat(&b, b.len ? " " : "", g, (char *)NULL);
    }
  }
  const char *family = text_of(m, d, fj_get(d, hn, "family"));
  if (family) sb_cat(&b, b.len ? " " : "", family, (char *)NULL);
  return b.len ? sb_str(&b) : NULL;
}

static void read_name(mapper *m, const json_doc *d, int r) {
  int names = fj_get(d, r, "name");
  if (names < 0 || m->name_read) return;
  m->name_read = true;
  int hn = d->tok[names].type == JT_ARRAY ? choose_name(d, names) : -1;
  if (hn < 0 || d->tok[hn].type != JT_OBJECT) {
    fm_note(m, "Patient.name: not a list of names (HumanName): the plan names no patient");
    return;
  }
  m->name = name_text(m, d, hn);
  m->name_p = (prov){"Patient.name", false};
  if (!m->name) fm_note(m, "Patient.name: the name chosen has no text, given or family name: the plan names no patient");
}

/* ---- Patient.identifier ------------------------------------------------- */

/* The HL7 v2-0203 code of an Identifier.type ("MR"), or NULL. */
static const char *type_of(mapper *m, const json_doc *d, int type) {
  int codings = fj_get(d, type, "coding");
  if (codings < 0 || d->tok[codings].type != JT_ARRAY) return NULL;
  int j = codings + 1;
  for (int k = 0; k < d->tok[codings].size; k++, j = json_next(d, j))
    if (fj_is(d, fj_get(d, j, "system"), V2_0203)) {
      const char *code = text_of(m, d, fj_get(d, j, "code"));
      if (code) return code;
    }
  return NULL;
}

static void read_identifiers(mapper *m, const json_doc *d, int r) {
  int ids = fj_get(d, r, "identifier");
  if (ids < 0 || m->ident_read) return;
  m->ident_read = true;
  if (d->tok[ids].type != JT_ARRAY) {
    fm_note(m, "Patient.identifier: not a list of identifiers: none used");
    return;
  }
  int n = d->tok[ids].size, incomplete = 0, old = 0, over = 0;
  m->ident = arena_array(m->a, (size_t)n + 1, sizeof *m->ident);
  if (!m->ident) return;
  int j = ids + 1;
  for (int k = 0; k < n; k++, j = json_next(d, j)) {
    const char *system = text_of(m, d, fj_get(d, j, "system")), *value = text_of(m, d, fj_get(d, j, "value"));
    if (!system || !value) {
      incomplete++;
    } else if (fj_is(d, fj_get(d, j, "use"), "old")) {
      old++; /* no longer valid: never taken for the record number */
    } else if (m->n_ident == OP_IDENTIFIERS_MAX) {
      over++;
    } else {
      strbuf ref;
      sb_init(&ref, m->a);
      sb_printf(&ref, "Patient.identifier[%d]", k);
      m->ident[m->n_ident++] = (f_ident){system, value, type_of(m, d, fj_get(d, j, "type")), {sb_str(&ref), false}};
    }
  }
  if (incomplete) fm_note(m, "%d Patient.identifier(s) without a system or a value: not used", incomplete);
  if (old) fm_note(m, "%d Patient.identifier(s) of use 'old' (no longer valid): not used", old);
  if (over) fm_note(m, "%d Patient.identifier(s) beyond the first %d: not used", over, OP_IDENTIFIERS_MAX);
}

void fm_read_identity(mapper *m, const json_doc *d, int r) {
  read_name(m, d, r);
  read_identifiers(m, d, r);
}

/* ---- writing ------------------------------------------------------------ */

void fm_put_identity(jwriter *w, mapper *m, slot *slots, int *ns) {
  if (m->name && !m->name_p.dropped) {
    slots[(*ns)++] = (slot){"name", -1, &m->name_p};
    jw_key(w, "name");
    jw_str(w, m->name);
  }
  int k = 0;
  for (int i = 0; i < m->n_ident; i++) {
    f_ident *x = &m->ident[i];
    if (x->p.dropped) continue;
    if (!k) {
      jw_key(w, "identifiers");
      jw_arr(w);
    }
    slots[(*ns)++] = (slot){"identifiers", k++, &x->p};
    jw_obj(w);
    jw_key(w, "system"); jw_str(w, x->system);
    jw_key(w, "value"); jw_str(w, x->value);
    if (x->type) { jw_key(w, "type"); jw_str(w, x->type); }
    jw_end_obj(w);
  }
  if (k) jw_end_arr(w);
}
