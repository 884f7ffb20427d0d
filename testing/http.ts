import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import '../functions/index';

/**
 * Real HTTP through the functions-framework, one server per registered
 * function, exactly as Cloud Run serves it.
 */
export const callFunction = (name: string) => request(getTestServer(name));

export async function loginAs(username: string, password = username): Promise<string> {
  const response = await callFunction('auth-login').post('/api/v1/auth/login/').send({ username, password });
  if (response.status !== 200) throw new Error(`login as ${username} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.key as string;
}

export const tokenHeader = (key: string) => ({ Authorization: `token ${key}` });

/** Logs the key's session out; throws unless the logout answers 200. */
export async function logout(key: string): Promise<void> {
  const response = await callFunction('auth-logout').post('/api/v1/auth/logout/').set(tokenHeader(key));
  if (response.status !== 200) throw new Error(`logout failed: ${response.status} ${JSON.stringify(response.body)}`);
}
