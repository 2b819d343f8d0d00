"""FHIR R4 fixtures built from patient records (the public vignettes), with
codes from kb/fhir.ini. to_fhir() returns None for a record holding what FHIR
input cannot carry (a traumatic mechanism, stop reasons, dose counts, codes
the mapping does not know), so that the plans of both forms must agree."""
import datetime

LOINC_T = {"lumbar_spine": "38267-1", "total_hip": "38264-8", "femoral_neck": "38263-0",
           "one_third_radius": "38265-5"}
LOINC_BMD = {"lumbar_spine": "24966-4", "total_hip": "38261-4", "femoral_neck": "24701-5"}
ICD_FX = {"hip": "S72.001A", "vertebral": "S32.000A", "wrist": "S52.501A", "forearm": "S52.201A",
          "humerus": "S42.201A", "pelvis": "S32.401A", "rib": "S22.31XA", "ankle": "S82.51XA"}
ICD_COND = {"osteoporosis": "M81.0", "myocardial_infarction": "I21.9", "stroke": "I63.9", "paget_disease": "M88.9",
            "bone_metastases": "C79.51", "organ_transplant": "Z94.0", "esophageal_disorder": "K22.2",
            "venous_thromboembolism": "I26.99", "osteonecrosis_of_jaw": "M87.180"}
SCT_COND = {"breast_cancer": "254837009"}
AGENT = {"alendronate": ("rxnorm", "46041"), "risedronate": ("rxnorm", "73056"), "ibandronate": ("rxnorm", "115264"),
         "zoledronic_acid": ("rxnorm", "77655"), "denosumab": ("rxnorm", "993449"), "raloxifene": ("rxnorm", "72143"),
         "teriparatide": ("atc", "H05AA02"), "abaloparatide": ("atc", "H05AA04"), "romosozumab": ("atc", "M05BX06")}
SYSTEMS = {"rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm", "atc": "http://www.whocc.no/atc",
           "loinc": "http://loinc.org", "icd": "http://hl7.org/fhir/sid/icd-10-cm", "sct": "http://snomed.info/sct"}


def coding(system, code):
    return {"coding": [{"system": SYSTEMS[system], "code": code}]}


def to_fhir(rec, as_of="2026-11-01"):
    pid = (rec.get("id") or "p").replace("_", "-")[:60]
    subj = {"reference": "Patient/" + pid}
    out = []
    if set(rec) - {"id", "as_of", "sex", "birth_date", "age", "menopause", "bmd", "frax", "fractures", "therapies",
                   "medications", "conditions", "labs"}:
        return None
    if rec.get("menopause") not in (None, "post"):
        return None
    if rec.get("as_of", as_of) != as_of:  # made for another day than the fixtures' clock (2026.12 cases 29 on)
        return None
    birth = rec.get("birth_date")
    if birth is None:
        d = datetime.date.fromisoformat(rec.get("as_of", as_of))
        birth = "%04d-%02d-%02d" % (d.year - int(rec["age"]) - 1, d.month, min(d.day, 28))
    out.append({"resourceType": "Patient", "id": pid, "gender": rec["sex"], "birthDate": birth})
    n = 0

    def obs(system, code, value, unit, date):
        nonlocal n
        n += 1
        out.append({"resourceType": "Observation", "id": "o%d" % n, "status": "final", "subject": subj,
                    "code": coding(system, code), "effectiveDateTime": date,
                    "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                                      "code": unit}})

    for b in rec.get("bmd", []):
        obs("loinc", LOINC_T[b["site"]], b["t_score"], "{T-score}", b["date"])
        if "bmd_g_cm2" in b and b["bmd_g_cm2"] is not None:
            if b["site"] not in LOINC_BMD:
                return None
            obs("loinc", LOINC_BMD[b["site"]], b["bmd_g_cm2"], "g/cm2", b["date"])
    fr = rec.get("frax")
    if fr:
        date = fr.get("date", rec.get("as_of", as_of))
        if "major_osteoporotic_pct" in fr:
            obs("loinc", "90265-0", fr["major_osteoporotic_pct"], "%", date)
        if "hip_pct" in fr:
            obs("loinc", "90266-8", fr["hip_pct"], "%", date)
    for f in rec.get("fractures", []):
        if f.get("mechanism", "fragility") != "fragility" or f["site"] not in ICD_FX:
            return None
        n += 1
        c = {"resourceType": "Condition", "id": "c%d" % n, "subject": subj, "code": coding("icd", ICD_FX[f["site"]])}
        c["onsetDateTime"] = f["date"] if "date" in f else str(f["year"])
        out.append(c)
    # fractures at one site within 30 days are one event in FHIR input
    dates = sorted((f["site"], f.get("date", str(f.get("year")))) for f in rec.get("fractures", []))
    for (s1, d1), (s2, d2) in zip(dates, dates[1:]):
        if s1 == s2 and len(d1) == len(d2) == 10 and abs(
                (datetime.date.fromisoformat(d1) - datetime.date.fromisoformat(d2)).days) <= 30:
            return None
    for c in rec.get("conditions", []):
        n += 1
        if c["code"] in ICD_COND:
            code = coding("icd", ICD_COND[c["code"]])
        elif c["code"] in SCT_COND:
            code = coding("sct", SCT_COND[c["code"]])
        else:
            return None
        r = {"resourceType": "Condition", "id": "c%d" % n, "subject": subj, "code": code}
        if "date" in c:
            r["onsetDateTime"] = c["date"]
        out.append(r)
    for t in rec.get("therapies", []):
        if set(t) - {"agent", "start", "end"} or t["agent"] not in AGENT:
            return None
        n += 1
        period = {"start": t["start"]}
        if t.get("end"):
            period["end"] = t["end"]
        out.append({"resourceType": "MedicationStatement", "id": "m%d" % n, "subject": subj,
                    "status": "active" if not t.get("end") else "completed",
                    "medicationCodeableConcept": coding(*AGENT[t["agent"]]), "effectivePeriod": period})
    for m in rec.get("medications", []):
        n += 1
        period = {"start": m["start"]} if m.get("start") else None
        if period is None:
            return None
        if m.get("end"):
            period["end"] = m["end"]
        r = {"resourceType": "MedicationStatement", "id": "m%d" % n, "subject": subj,
             "status": "active" if not m.get("end") else "completed", "effectivePeriod": period}
        if m["class"] == "glucocorticoid" and m.get("dose_mg_per_day"):
            r["medicationCodeableConcept"] = coding("rxnorm", "312617")
            r["dosage"] = [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                            "doseAndRate": [{"doseQuantity": {"value": m["dose_mg_per_day"], "unit": "mg",
                                                              "code": "mg"}}]}]
        elif m["class"] == "immunosuppressant":
            r["medicationCodeableConcept"] = coding("rxnorm", "1664463")
        else:
            return None
        out.append(r)
    labs = rec.get("labs", {})
    if set(labs) - {"egfr_ml_min", "calcium_mg_dl", "vitamin_d_ng_ml"}:
        return None
    for key, code, unit in (("egfr_ml_min", "62238-1", "mL/min/{1.73_m2}"), ("calcium_mg_dl", "17861-6", "mg/dL"),
                            ("vitamin_d_ng_ml", "62292-8", "ng/mL")):
        if isinstance(labs.get(key), dict):  # a dated value (2026.12) keeps its date
            obs("loinc", code, labs[key]["value"], unit, labs[key]["date"])
        elif key in labs:  # an undated value is current: dated as_of
            obs("loinc", code, labs[key], unit, rec.get("as_of", as_of))
    return out


def prefetch_of(resources):
    """A CDS Hooks prefetch of one patient's resources: the Patient and a
    searchset Bundle for each of the service's other prefetch keys."""
    by_type = {}
    for r in resources:
        by_type.setdefault(r["resourceType"], []).append(r)

    def bundle(t):
        return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in by_type.get(t, [])]}
    return {"patient": by_type["Patient"][0], "observations": bundle("Observation"),
            "conditions": bundle("Condition"), "medicationRequests": bundle("MedicationRequest"),
            "medicationStatements": bundle("MedicationStatement")}


def hook_request(hook, patient_id, resources, drafts=None, keys=None, instance=None):
    """A CDS Hooks request for patient_id with its resources as prefetch (only
    the keys given, when keys is set) and draft orders (order-sign)."""
    prefetch = prefetch_of(resources)
    if keys is not None:
        prefetch = {k: v for k, v in prefetch.items() if k in keys}
    ctx = {"userId": "Practitioner/dr-1", "patientId": patient_id}
    if drafts is not None:
        ctx["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                              "entry": [{"resource": d} for d in drafts]}
    return {"hook": hook, "hookInstance": instance or "inst-%s-%s" % (hook, patient_id), "context": ctx,
            "prefetch": prefetch}
