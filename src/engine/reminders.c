/*
** reminders.c: the safety reminders a plan carries, decided from the
** agents' flags (kb/agents.ini): every patient on, or starting, an agent
** whose stopping causes a rebound hears never to stop it on their own; an
** agent with a risk of osteonecrosis of the jaw or atypical femoral fracture
** brings the reminders to report pain and to see a dentist; every plan says
** who changes treatment. The renderings only print what the plan carries.
*/
#include "engine.h"

static void add(op_plan *p, int code, int severity, bool clinician, bool patient) {
  if (!clinician && !patient) return;
  p->reminders[p->n_reminders++] = (op_reminder){code, severity, clinician, patient};
}

void reminders_fill(eng *e) {
  const op_kb *kb = e->kb;
  const op_record *r = e->rec;
  op_plan *p = e->p;
  bool rebound = false, jaw_femur = false;
  for (int i = 0; i < r->n_therapies; i++) {
    const kb_agent *g = &kb->agent[r->therapies[i].agent];
    rebound |= g->rebound_when_stopped;
    jaw_femur |= g->jaw_and_femur_risk;
  }
  for (int i = 0; i < p->n_phases; i++)
    for (int k = 0; k < p->phases[i].n; k++) {
      const kb_agent *g = &kb->agent[p->phases[i].agents[k]];
      rebound |= g->rebound_when_stopped && k == 0; /* the choice, not an alternative */
      jaw_femur |= g->jaw_and_femur_risk;
    }
  p->n_reminders = 0;
  add(p, OP_RM_NEVER_STOP, OP_SEV_CRITICAL, rebound, rebound);
  /* every patient hears these two; a clinician when the record or the plan
  ** names such an agent */
  add(p, OP_RM_REPORT_PAIN, OP_SEV_WARNING, jaw_femur, true);
  add(p, OP_RM_DENTIST, OP_SEV_WARNING, jaw_femur, true);
  add(p, OP_RM_DO_NOT_START_STOP, OP_SEV_WARNING, true, true);
}
