import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM file paths of a throwaway PKI made with openssl: a CA, a server certificate, and client certificates. */
export interface TestPki {
  ca: string;
  serverCert: string;
  serverKey: string;
  /** A client certificate signed by `ca` with the given CN. */
  client(cn: string): { cert: string; key: string };
  /** A client certificate with that CN signed by another CA (which the gateway does not trust). */
  rogueClient(cn: string): { cert: string; key: string };
}

export function createTestPki(openssl: string, dir: string): TestPki {
  const ssl = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
  const file = (name: string) => join(dir, name);
  const selfSigned = (name: string, cn: string) =>
    ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', `/CN=${cn}`, '-keyout', file(`${name}.key`), '-out', file(`${name}.pem`));
  const signed = (name: string, cn: string, ca: string, extensions?: string) => {
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${cn}`,
      '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`));
    ssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${ca}.pem`), '-CAkey', file(`${ca}.key`),
      '-CAcreateserial', '-days', '2', '-out', file(`${name}.pem`), ...(extensions ? ['-extfile', extensions] : []));
    return { cert: file(`${name}.pem`), key: file(`${name}.key`) };
  };
  selfSigned('ca', 'IOC test CA');
  selfSigned('rogue-ca', 'Rogue CA');
  const serverExtensions = file('server.ext');
  writeFileSync(serverExtensions, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  const server = signed('server', 'localhost', 'ca', serverExtensions);
  return {
    ca: file('ca.pem'),
    serverCert: server.cert,
    serverKey: server.key,
    client: (cn) => signed(`client-${cn}`, cn, 'ca'),
    rogueClient: (cn) => signed(`rogue-${cn}`, cn, 'rogue-ca'),
  };
}
