import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM file paths of a throwaway PKI made with openssl: a CA, a server certificate, and client certificates. */
export interface TestPki {
  ca: string;
  serverCert: string;
  serverKey: string;
  /** A client certificate signed by `ca` with the given CN, for client authentication unless `clientAuth` is false. */
  client(cn: string, options?: { clientAuth?: boolean }): { cert: string; key: string };
  /** A client certificate with that CN signed by another CA (which the gateway does not trust). */
  rogueClient(cn: string): { cert: string; key: string };
  /** Revokes a certificate of `ca` and writes the CA's revocation list (`crl`) anew. */
  revoke(cert: string): void;
  /** The CA's PEM revocation list (empty until a certificate is revoked). */
  crl: string;
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
  const clientExtensions = file('client.ext');
  writeFileSync(clientExtensions, 'extendedKeyUsage=clientAuth\n');
  // A minimal `openssl ca` database, for revocations and the CRL.
  writeFileSync(file('index.txt'), '');
  writeFileSync(file('crlnumber'), '01\n');
  writeFileSync(file('ca.cnf'), `[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 2\ncertificate = ca.pem\nprivate_key = ca.key\n`);
  const writeCrl = () => ssl('ca', '-config', 'ca.cnf', '-gencrl', '-out', file('crl.pem'));
  writeCrl();
  return {
    ca: file('ca.pem'),
    serverCert: server.cert,
    serverKey: server.key,
    client: (cn, options = {}) =>
      options.clientAuth === false ? signed(`client-${cn}-noauth`, cn, 'ca') : signed(`client-${cn}`, cn, 'ca', clientExtensions),
    rogueClient: (cn) => signed(`rogue-${cn}`, cn, 'rogue-ca', clientExtensions),
    revoke(cert) {
      ssl('ca', '-config', 'ca.cnf', '-revoke', cert);
      writeCrl();
    },
    crl: file('crl.pem'),
  };
}
