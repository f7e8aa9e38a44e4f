import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request as httpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback HTTP proxy in front of moto that injects the faults a real EC2 endpoint answers, on a
 * deterministic schedule, so that tests drive the real SDK client (its retry strategy, its error
 * parsing) rather than a simulator's own retry loop. Each request is read whole, its `Action`
 * (EC2's query protocol: a form-encoded POST) named, and then faulted or forwarded unchanged.
 *
 * Faults, each as EC2 answers it ("Error codes for the Amazon EC2 API", EC2 API Reference: errors
 * are `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`):
 * - `throttle`: HTTP 503, `RequestLimitExceeded` ("Request throttling", EC2 API Reference).
 * - `server-error`: HTTP 500, `InternalError`.
 * - `unavailable`: HTTP 503, `Unavailable`.
 * - `reset`: the connection is destroyed before any answer (ECONNRESET at the client).
 * - `lost-answer`: forwarded, and moto's answer dropped (the call took effect; the client sees a reset).
 * - `slow`: forwarded, after a delay.
 */
export type Fault = 'throttle' | 'server-error' | 'unavailable' | 'reset' | 'lost-answer' | 'slow';

/** One request as the proxy saw it. */
export interface ProxyLogEntry {
  readonly action: string;
  /** 1 for the first request of this action, 2 for the next... */
  readonly attempt: number;
  readonly fault?: Fault;
  /** The status moto answered, for forwarded requests. */
  readonly status?: number;
}

export interface FaultProxyOptions {
  /** moto's base URL. */
  readonly target: string;
  /** The fault for the `attempt`-th request of an action, or `undefined` to forward it. */
  readonly schedule: (action: string, attempt: number) => Fault | undefined;
  /** How long a `slow` answer waits before it is forwarded (ms). */
  readonly slowMs?: number;
}

export interface FaultProxy {
  readonly url: string;
  readonly log: readonly ProxyLogEntry[];
  /** Forwarded requests of an action that moto answered with 2xx. */
  succeeded(action: string): number;
  stop(): Promise<void>;
}

const ERRORS: Record<Exclude<Fault, 'reset' | 'lost-answer' | 'slow'>, { status: number; code: string; message: string }> = {
  throttle: { status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.' },
  'server-error': { status: 500, code: 'InternalError', message: 'An internal error has occurred.' },
  unavailable: { status: 503, code: 'Unavailable', message: 'The server is overloaded and can not handle the request.' },
};

const errorXml = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`;

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/** Starts the proxy on a free loopback port. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const log: ProxyLogEntry[] = [];
  const attempts = new Map<string, number>();
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, entry: Omit<ProxyLogEntry, 'status'>) => {
    const upstream = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        log.push({ ...entry, status: answer.statusCode });
        if (entry.fault === 'lost-answer') {
          answer.resume();
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      log.push({ ...entry, status: 502 });
      res.writeHead(502).end(String(error));
    });
    upstream.end(body);
  };

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? `${req.method} ${req.url}`;
    const attempt = (attempts.get(action) ?? 0) + 1;
    attempts.set(action, attempt);
    const fault = options.schedule(action, attempt);
    const entry = { action, attempt, ...(fault ? { fault } : {}) };
    if (fault === 'reset') {
      log.push(entry);
      req.socket.destroy();
      return;
    }
    if (fault === 'lost-answer') {
      forward(req, body, res, entry);
      return;
    }
    if (fault === 'slow') {
      await new Promise((r) => setTimeout(r, options.slowMs ?? 1_500));
      forward(req, body, res, entry);
      return;
    }
    if (fault) {
      log.push(entry);
      const e = ERRORS[fault];
      res.writeHead(e.status, { 'content-type': 'text/xml' }).end(errorXml(e.code, e.message));
      return;
    }
    forward(req, body, res, entry);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    succeeded: (action) =>
      log.filter((e) => e.action === action && e.status !== undefined && e.status >= 200 && e.status < 300).length,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
