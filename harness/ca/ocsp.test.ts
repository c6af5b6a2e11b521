// The test CA's OCSP responder, checked by a client that is not ours: `openssl ocsp` asks it over HTTP about a
// certificate in service (good), one whose key was compromised (revoked, keyCompromise), a lost phone's (revoked,
// certificateHold; good again once found) and a serial the CA never issued (unknown), and verifies each answer's
// signature through the delegated responder certificate up to the CA; it also verifies a saved response
// (-respin) and rejects one whose signature was altered. Then the relying-party verifier on the same answers,
// with a fixed clock: it accepts good, refuses the rest, and names what is wrong with an answer it cannot trust.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openssl } from '../testing/openssl.ts';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadJpkiVectors, type JpkiVectors } from '../jpki/vectors.ts';
import { repoRoot } from '../paths.ts';
import { certIdFor, encodeOcspRequest, parseOcspRequest, parseOcspResponse } from './ocsp.ts';
import { answerOcspRequest, issueOcspSigner, newNonce, queryOcsp, startOcspResponder, type OcspSigner, type ResponderOptions, type RunningResponder } from './ocsp-responder.ts';
import { emptyRevocationList, resume, revoke, suspend, type RevocationList } from './revocation.ts';
import { issueUserAuthCertificate, loadSigningTestCa, loadTestCa, type TestCa } from './test-ca.ts';
import { verifyUserAuthSignature, type VerifyRequest } from './verifier.ts';

const run = promisify(execFile);
const VECTORS = join(repoRoot, 'vectors', 'jpki');
const utc = (y: number, m: number, d: number, h = 0): Date => new Date(Date.UTC(y, m - 1, d, h));
/** The verifier's fixed clock; the responder answers as of this moment in those tests. */
const AT = utc(2026, 6, 1, 12);

let ca: TestCa;
let v: JpkiVectors;
let dir: string;
let signer: OcspSigner;
let list: RevocationList;
/** The vectors' certificate (serial 0x1000) and a known-answer signature of its key. */
let rsa: Pick<VerifyRequest, 'userCert' | 'signed' | 'signature'>;

async function pem(name: string, der: Uint8Array): Promise<string> {
  await writeFile(join(dir, `${name}.der`), der);
  await run('openssl', ['x509', '-inform', 'DER', '-in', join(dir, `${name}.der`), '-out', join(dir, `${name}.pem`)]);
  return join(dir, `${name}.pem`);
}

function rsaCardKey(key: forge.pki.rsa.PrivateKey | forge.pki.rsa.PublicKey): { kind: 'rsa'; n: Uint8Array; e: Uint8Array } {
  const b = (x: forge.jsbn.BigInteger): Uint8Array => forge.util.binary.hex.decode(x.toString(16).padStart(Math.ceil(x.toString(16).length / 2) * 2, '0'));
  return { kind: 'rsa', n: b(key.n), e: b(key.e) };
}

/** The response with one bit of its signature value changed, found where the parsed signature lies in the DER. */
function flipSignatureBit(response: Uint8Array): Uint8Array {
  const signature = parseOcspResponse(response).basic!.signature;
  const at = Buffer.from(response).indexOf(Buffer.from(signature));
  const bad = Uint8Array.from(response);
  bad[at + 10]! ^= 0x01;
  return bad;
}

const SERIALS = { inService: '1001', compromised: '1002', lostPhone: '1003', neverIssued: '7777' } as const;

beforeAll(async () => {
  ca = await loadTestCa(VECTORS);
  v = await loadJpkiVectors(VECTORS);
  dir = await mkdtemp(join(tmpdir(), 'simcert-ocsp-'));
  const kat = v.signatures[0]!;
  rsa = {
    userCert: new Uint8Array(await readFile(join(VECTORS, 'user-auth-cert.der'))),
    signed: v.digestInfos.find((d) => d.id === kat.digestInfoId)!.digestInfo,
    signature: kat.signature,
  };
  await pem('ca', ca.der);
  for (const serial of [SERIALS.inService, SERIALS.compromised, SERIALS.lostPhone, SERIALS.neverIssued]) {
    await pem(`user-${serial}`, issueUserAuthCertificate(ca, rsaCardKey(ca.cert.publicKey as forge.pki.rsa.PublicKey),
      { subjectId: `SIMCERT-OCSP-${serial}`, serial, notBefore: utc(2026, 1, 1) }));
  }
  // openssl checks the responder certificate and the answer's thisUpdate/nextUpdate against its own clock, so the
  // signer for the openssl part is valid around the real time (the verifier part below uses a fixed clock).
  signer = issueOcspSigner(ca, { serial: '0C50', notBefore: new Date(Date.now() - 86_400_000) });
  await pem('responder', signer.cert);
  list = revoke(emptyRevocationList(), SERIALS.compromised, utc(2026, 3, 1, 9), 'keyCompromise');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('OCSP requests, compared with the ones openssl ocsp writes', () => {
  it('without a nonce: our encoding is byte for byte openssl\'s (SHA-1 CertID of RFC 6960 4.1.1)', async () => {
    const out = join(dir, 'openssl-req-plain.der');
    await run('openssl', ['ocsp', '-issuer', join(dir, 'ca.pem'), '-cert', join(dir, `user-${SERIALS.inService}.pem`), '-no_nonce', '-reqout', out]);
    const theirs = new Uint8Array(await readFile(out));
    expect(Buffer.from(encodeOcspRequest({ certIds: [certIdFor(ca.der, SERIALS.inService)] })).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
    expect(parseOcspRequest(theirs)).toEqual({ certIds: [certIdFor(ca.der, SERIALS.inService)] });
  });

  it('with a nonce: we read openssl\'s nonce and, given it, encode the same bytes', async () => {
    const out = join(dir, 'openssl-req-nonce.der');
    await run('openssl', ['ocsp', '-issuer', join(dir, 'ca.pem'), '-cert', join(dir, `user-${SERIALS.compromised}.pem`), '-reqout', out]);
    const theirs = new Uint8Array(await readFile(out));
    const text = (await run('openssl', ['ocsp', '-reqin', out, '-req_text'])).stdout;
    const parsed = parseOcspRequest(theirs);
    expect(parsed.nonce).toBeDefined();
    // openssl prints the extnValue: 04 (OCTET STRING), the length, then the nonce.
    expect(text.replace(/\s/g, '')).toContain(`OCSPNonce:0410${Buffer.from(parsed.nonce!).toString('hex').toUpperCase()}`);
    expect(Buffer.from(encodeOcspRequest(parsed)).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
  });
});

describe('OCSP responder, asked by openssl ocsp over HTTP', () => {
  let responder: RunningResponder;
  beforeAll(async () => {
    responder = await startOcspResponder({
      ca, signer, revocations: () => list,
      issued: () => [SERIALS.inService, SERIALS.compromised, SERIALS.lostPhone, '1000'],
    });
  });
  afterAll(async () => {
    await responder.close();
  });

  const ask = (serial: string, trust: string[], more: string[] = []): Promise<{ code: number; out: string }> => openssl([
    'ocsp', '-issuer', join(dir, 'ca.pem'), '-cert', join(dir, `user-${serial}.pem`), '-url', responder.url, '-resp_text', ...trust, ...more,
  ]);
  const throughCa = (): string[] => ['-CAfile', join(dir, 'ca.pem')];

  it('listens on loopback on a port of its own', () => {
    expect(responder.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(responder.url).not.toBe('http://127.0.0.1:0/');
  });

  it('good for a certificate in service; the delegated signer chains to the CA and the nonce comes back', async () => {
    const r = await ask(SERIALS.inService, throughCa());
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toContain(`user-${SERIALS.inService}.pem: good`);
    expect(r.out).toContain('OCSP Nonce');
    expect(r.out).not.toContain('WARNING'); // openssl warns when the nonce is missing or differs
    expect(r.out).toContain('Responder Id: ');
    expect(r.out).toMatch(/Next Update: /);
    expect(r.code).toBe(0);
  });

  it('revoked with reason keyCompromise, verified with the responder certificate given as -VAfile', async () => {
    const r = await ask(SERIALS.compromised, ['-VAfile', join(dir, 'responder.pem')]);
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toContain(`user-${SERIALS.compromised}.pem: revoked`);
    expect(r.out).toContain('Reason: keyCompromise');
    expect(r.out).toContain('Revocation Time: Mar  1 09:00:00 2026 GMT');
  });

  it('a lost phone: revoked (certificateHold) while suspended, good again once resumed', async () => {
    list = suspend(list, SERIALS.lostPhone, utc(2026, 4, 1));
    const held = await ask(SERIALS.lostPhone, throughCa());
    expect(held.out).toContain('Response verify OK');
    expect(held.out).toContain(`user-${SERIALS.lostPhone}.pem: revoked`);
    expect(held.out).toContain('Reason: certificateHold');
    list = resume(list, SERIALS.lostPhone);
    const found = await ask(SERIALS.lostPhone, throughCa());
    expect(found.out).toContain('Response verify OK');
    expect(found.out).toContain(`user-${SERIALS.lostPhone}.pem: good`);
  });

  it('unknown for a serial the CA never issued', async () => {
    const r = await ask(SERIALS.neverIssued, throughCa());
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toContain(`user-${SERIALS.neverIssued}.pem: unknown`);
  });

  it('a saved response verifies with openssl ocsp -respin, and the same response with one signature bit flipped does not', async () => {
    const response = await queryOcsp(responder.url, encodeOcspRequest({ certIds: [certIdFor(ca.der, SERIALS.compromised)], nonce: newNonce() }));
    await writeFile(join(dir, 'resp.der'), response);
    const ok = await openssl(['ocsp', '-respin', join(dir, 'resp.der'), '-VAfile', join(dir, 'responder.pem'), '-resp_text']);
    expect(ok.out).toContain('Response verify OK');
    expect(ok.out).toContain('Cert Status: revoked');
    expect(ok.code).toBe(0);
    const bad = flipSignatureBit(response);
    await writeFile(join(dir, 'bad.der'), bad);
    const refused = await openssl(['ocsp', '-respin', join(dir, 'bad.der'), '-VAfile', join(dir, 'responder.pem')]);
    expect(refused.out).toContain('Response Verify Failure');
    expect(refused.out).not.toContain('Response verify OK');
  });

  it('a request it cannot read gets malformedRequest, as openssl reads it', async () => {
    await writeFile(join(dir, 'malformed.der'), await queryOcsp(responder.url, new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])));
    const r = await openssl(['ocsp', '-respin', join(dir, 'malformed.der'), '-resp_text', '-noverify']);
    expect(r.out).toMatch(/malformedrequest \(1\)/i);
  });

  it('keeps each request and answer (DER) for reports', () => {
    expect(responder.exchanges.length).toBeGreaterThanOrEqual(7);
    for (const x of responder.exchanges) expect(x.request.length > 0 && x.response.length > 0).toBe(true);
  });
});

describe('relying-party verifier with the CA\'s OCSP answer (clock fixed at 2026-06-01T12:00Z)', () => {
  let fixedSigner: OcspSigner;
  const state = { list: emptyRevocationList() };
  const options = (more: Partial<ResponderOptions> = {}): ResponderOptions => ({
    ca, signer: fixedSigner, issued: () => ['1000'], revocations: () => state.list, now: () => AT, ...more,
  });
  /** Asks about the vectors' certificate (serial 1000) with a fresh nonce; returns what the verifier needs. */
  const askAbout = (more: Partial<ResponderOptions> = {}, serial = '1000'): { response: Uint8Array; nonce: Uint8Array } => {
    const nonce = newNonce();
    return { response: answerOcspRequest(options(more), encodeOcspRequest({ certIds: [certIdFor(ca.der, serial)], nonce })), nonce };
  };
  const verify = (ocsp: VerifyRequest['ocsp'], at = AT) => verifyUserAuthSignature({ caCert: ca.der, at, ...rsa, ocsp });

  beforeAll(() => {
    fixedSigner = issueOcspSigner(ca, { serial: '0C51', notBefore: utc(2026, 5, 20) });
  });

  it('accepts a good answer that echoes the nonce, within thisUpdate..nextUpdate', () => {
    state.list = emptyRevocationList();
    const answer = askAbout();
    expect(parseOcspResponse(answer.response).basic?.responses[0]?.status).toBe('good');
    expect(verify(answer)).toEqual({ accepted: true, reasons: [] });
  });

  it('accepts a good answer signed by the CA itself (RFC 6960 4.2.2.2: the CA may answer for its own certificates)', () => {
    state.list = emptyRevocationList();
    expect(verify(askAbout({ signer: { cert: ca.der, key: ca.key } }))).toEqual({ accepted: true, reasons: [] });
  });

  it('refuses a revoked certificate and names the reason', () => {
    state.list = revoke(emptyRevocationList(), '1000', utc(2026, 5, 30), 'keyCompromise');
    const r = verify(askAbout());
    expect(r.accepted).toBe(false);
    expect(r.reasons.join('; ')).toContain('certificate serial 1000 revoked at 2026-05-30T00:00:00Z (keyCompromise) per the OCSP response');
  });

  it('refuses a suspended certificate (certificateHold) and accepts it again once resumed', () => {
    state.list = suspend(emptyRevocationList(), '1000', utc(2026, 5, 31));
    const held = verify(askAbout());
    expect(held.accepted).toBe(false);
    expect(held.reasons.join('; ')).toContain('suspended at 2026-05-31T00:00:00Z (certificateHold)');
    state.list = resume(state.list, '1000');
    expect(verify(askAbout())).toEqual({ accepted: true, reasons: [] });
  });

  it('refuses when the responder does not know the certificate', () => {
    state.list = emptyRevocationList();
    const r = verify(askAbout({ issued: () => [] }));
    expect(r.accepted).toBe(false);
    expect(r.reasons.join('; ')).toContain('does not know certificate serial 1000 (unknown)');
  });

  it('refuses an answer to another request (other nonce) or without the nonce', () => {
    state.list = emptyRevocationList();
    const other = verify({ response: askAbout().response, nonce: newNonce() });
    expect(other.reasons.join('; ')).toContain('different nonce');
    const withoutNonce = answerOcspRequest(options(), encodeOcspRequest({ certIds: [certIdFor(ca.der, '1000')] }));
    const replay = verify({ response: withoutNonce, nonce: newNonce() });
    expect(replay.accepted).toBe(false);
    expect(replay.reasons.join('; ')).toContain('does not echo the request\'s nonce');
  });

  it('refuses a stale answer (after nextUpdate) and one from the future (before thisUpdate)', () => {
    state.list = emptyRevocationList();
    const answer = askAbout(); // thisUpdate 12:00, nextUpdate 13:00
    const stale = verify(answer, utc(2026, 6, 1, 14));
    expect(stale.reasons.join('; ')).toContain('is stale at 2026-06-01T14:00:00Z (nextUpdate 2026-06-01T13:00:00Z)');
    const early = verify(answer, utc(2026, 6, 1, 11));
    expect(early.reasons.join('; ')).toContain('not yet valid at 2026-06-01T11:00:00Z (thisUpdate 2026-06-01T12:00:00Z)');
  });

  it('refuses an answer signed by a certificate of the CA without id-kp-OCSPSigning (a subscriber cannot vouch for itself)', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'pkcs1', format: 'pem' } });
    const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
    const cert = issueUserAuthCertificate(ca, rsaCardKey(key), { subjectId: 'SIMCERT-NOT-A-RESPONDER', serial: '2001', notBefore: utc(2026, 1, 1) });
    const r = verify(askAbout({ signer: { cert, key } }));
    expect(r.accepted).toBe(false);
    expect(r.reasons.join('; ')).toContain('lacks id-kp-OCSPSigning');
  });

  it('refuses an answer from a responder delegated by another CA', async () => {
    const foreign = issueOcspSigner(await loadSigningTestCa(VECTORS), { serial: '0C52', notBefore: utc(2026, 5, 20) });
    const r = verify(askAbout({ signer: foreign }));
    expect(r.accepted).toBe(false);
    expect(r.reasons.join('; ')).toMatch(/is issued by .*, not by the CA/);
    expect(r.reasons.join('; ')).toContain('is not signed by the CA\'s key');
  });

  it('refuses an answer whose signature was altered', () => {
    const answer = askAbout();
    const bad = flipSignatureBit(answer.response);
    const r = verify({ ...answer, response: bad });
    expect(r.accepted).toBe(false);
    expect(r.reasons.join('; ')).toContain('the signature does not verify with the responder\'s key');
  });

  it('refuses an answer about another certificate, and an error answer, as status unknown', () => {
    const r = verify(askAbout({}, '1001'));
    expect(r.reasons.join('; ')).toContain('says nothing about certificate serial 1000');
    const malformed = verify({ response: answerOcspRequest(options(), new Uint8Array([0x30, 0x00])) });
    expect(malformed.reasons.join('; ')).toContain('the OCSP responder answered malformedRequest; the revocation status is unknown');
  });
});
