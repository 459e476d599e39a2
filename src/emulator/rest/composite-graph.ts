import { apiError, notFound, sendJson } from '../http.js';
import { jsonObject, methodNotAllowed, type RestCall } from './call.js';
import {
  checkSubrequests,
  HALTED,
  runSubrequests,
  type CompositeResult,
  type SubRequest,
  type SubRequestRunner,
} from './composite.js';

/*
 * `POST /composite/graph` (v50.0+): graphs of up to 500 nodes in all, each graph one transaction (all of its
 * nodes saved, or none), independent of the others [doc REST "Composite Graph", "Using Composite Graphs",
 * "Composite Graph Limits"]. Nodes may only use the record resources; the codes and wording of the refusals
 * below are [unverified] where marked.
 */

const MAX_GRAPHS = 75;
const MAX_NODES = 500;
const MAX_DEPTH = 15;
/** Past this many failed graphs the remaining ones are not run: they answer PROCESSING_HALTED. */
const MAX_FAILED_GRAPHS = 14;
const GRAPH_ID = /^[A-Za-z0-9][A-Za-z0-9_]{0,39}$/;

/** The resources a node may call, and with which methods. */
const NODE_RESOURCES: Array<{ path: RegExp; methods: string[] }> = [
  { path: /^\/services\/data\/v\d+\.\d\/sobjects\/\w+\/?$/, methods: ['POST'] },
  {
    path: /^\/services\/data\/v\d+\.\d\/sobjects\/\w+\/[^/?]+\/?(\?.*)?$/,
    methods: ['GET', 'PATCH', 'DELETE'],
  },
  {
    path: /^\/services\/data\/v\d+\.\d\/sobjects\/\w+\/\w+\/[^/?]+\/?(\?.*)?$/,
    methods: ['GET', 'PATCH', 'POST', 'DELETE'],
  },
];

interface Graph {
  graphId: string;
  nodes: SubRequest[];
}

function checkGraphs(body: Record<string, unknown>): Graph[] {
  const list = body.graphs;
  if (!Array.isArray(list)) throw apiError(400, 'JSON_PARSER_ERROR', "'graphs' is a required field.");
  if (list.length > MAX_GRAPHS)
    throw apiError(400, 'INVALID_INPUT', `A composite graph request can have up to ${MAX_GRAPHS} graphs`);
  const seen = new Set<string>();
  let nodes = 0;
  const graphs = list.map((item: { graphId?: unknown; compositeRequest?: unknown }) => {
    const graphId = item?.graphId;
    if (typeof graphId !== 'string' || !Array.isArray(item.compositeRequest))
      throw apiError(400, 'JSON_PARSER_ERROR', "'graphId' and 'compositeRequest' are required fields.");
    if (!GRAPH_ID.test(graphId))
      throw apiError(
        400,
        'INVALID_INPUT',
        `The graphId ${graphId} must start with a letter or a number, have only letters, numbers and underscores, and be under 40 characters`,
      );
    if (seen.has(graphId))
      throw apiError(400, 'INVALID_INPUT', `Duplicate graphId provided in the request: ${graphId}`);
    seen.add(graphId);
    nodes += item.compositeRequest.length;
    return { graphId, nodes: checkSubrequests(item.compositeRequest) };
  });
  if (nodes > MAX_NODES)
    throw apiError(400, 'INVALID_INPUT', `A composite graph request can have up to ${MAX_NODES} nodes`);
  return graphs;
}

/** Why a graph cannot run as it is (a node on a resource graphs do not serve, or too deep), or null. */
function graphProblem(graph: Graph): { referenceId: string; message: string } | null {
  const depth = new Map<string, number>();
  for (const node of graph.nodes) {
    const path = node.url.replace(/@\{[^}]*\}/g, 'x');
    const method = node.method.toUpperCase();
    if (!NODE_RESOURCES.some((r) => r.path.test(path) && r.methods.includes(method)))
      return {
        referenceId: node.referenceId,
        message: `${method} ${node.url} is not supported in a composite graph: only sObject, sObject rows and sObject rows by external ID resources are`,
      };
    const refs = [...JSON.stringify([node.url, node.body ?? null]).matchAll(/@\{([A-Za-z0-9_]+)/g)];
    const d = 1 + Math.max(0, ...refs.map((m) => depth.get(m[1] as string) ?? 0));
    if (d > MAX_DEPTH)
      return { referenceId: node.referenceId, message: `The graph is deeper than ${MAX_DEPTH} nodes` };
    depth.set(node.referenceId, d);
  }
  return null;
}

function refused(graph: Graph, problem: { referenceId: string; message: string } | null): CompositeResult[] {
  return graph.nodes.map((node) => ({
    body: [
      problem && node.referenceId === problem.referenceId
        ? { errorCode: 'INVALID_INPUT', message: problem.message }
        : HALTED,
    ],
    httpHeaders: {},
    httpStatusCode: 400,
    referenceId: node.referenceId,
  }));
}

export async function compositeGraph(call: RestCall, run: SubRequestRunner): Promise<void> {
  if (Number(call.version) < 50) throw notFound();
  if (call.method !== 'POST') throw methodNotAllowed(call.method, 'POST');
  const graphs = checkGraphs(await jsonObject(call.req));
  let failures = 0;
  const out: Array<{
    graphId: string;
    graphResponse: { compositeResponse: CompositeResult[] };
    isSuccessful: boolean;
  }> = [];
  for (const graph of graphs) {
    const problem = failures >= MAX_FAILED_GRAPHS ? null : graphProblem(graph);
    const compositeResponse =
      failures >= MAX_FAILED_GRAPHS || problem
        ? refused(graph, problem)
        : await runSubrequests(call, graph.nodes, true, run);
    const isSuccessful = compositeResponse.every((r) => (r.httpStatusCode ?? 500) < 400);
    if (!isSuccessful) failures++;
    out.push({ graphId: graph.graphId, graphResponse: { compositeResponse }, isSuccessful });
  }
  sendJson(call.res, 200, { graphs: out });
}
