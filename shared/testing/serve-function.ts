import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import '../../functions/index';

/**
 * Run by tests in a process of their own (tsx): serves FUNCTION_TARGET through
 * the functions framework on a free port of 127.0.0.1, with the settings of
 * the environment, and prints `{"listening": port, "pid": pid}` as its first
 * line; the request log lines follow.
 */
const target = process.env.FUNCTION_TARGET;
if (!target) throw new Error('FUNCTION_TARGET is not set');
const server = getTestServer(target) as Server;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: (server.address() as AddressInfo).port, pid: process.pid })}\n`);
});
