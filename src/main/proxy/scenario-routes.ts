// GET and POST /v1/scenario: the whole fleet as a scenario's files, and an import that replaces
// it. The gate checks only the envelope (an object of file names to text); the store checks the
// files themselves, all of them before anything changes.

import { LIMITS } from '../../shared/config';
import { ApiError } from '../../shared/errors';
import { SCENARIO_FILES, type ScenarioFiles } from '../../shared/scenario';
import { checkKnownKeys, checkQuery } from '../../shared/validation';
import { jsonResponse } from './responses';
import { jsonBody, type RouteHandler } from './route-context';

export const scenario: RouteHandler = async ({ match, method, req, services }) => {
  checkQuery(match.target.query, []);
  const { store, orchestrator, breaker } = services;
  if (method !== 'POST') return { response: jsonResponse(200, await store.exportScenario()) };
  const files = filesOf(jsonBody(req, LIMITS.scenarioBodyBytes));
  const report = await store.importScenario(files);
  // As after a reset: every actor and queue goes, and the orchestrator rebuilds from the store
  // (recovering the VMs the scenario left mid-transition).
  await breaker.call(() => orchestrator.resync());
  services.regions.forget();
  return { response: jsonResponse(200, report) };
};

function filesOf(body: unknown): ScenarioFiles {
  const shape = `{"files": {"regions.csv": "...", "machines.csv": "...", ...}} (files: ${SCENARIO_FILES.join(', ')})`;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError('bad_request', `the body must be a JSON object ${shape}`);
  }
  checkKnownKeys(Object.keys(body), ['files'], 'field');
  const files = (body as { files?: unknown }).files;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) {
    throw new ApiError('bad_request', `files must be an object of file name to text: ${shape}`, { field: 'files' });
  }
  for (const [name, text] of Object.entries(files)) {
    if (typeof text !== 'string') {
      throw new ApiError('bad_request', `files.${name} must be the file's text`, { field: 'files' });
    }
  }
  return files as ScenarioFiles;
}
