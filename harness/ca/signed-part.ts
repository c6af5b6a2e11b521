// The exact bytes a signature covers in a signed DER structure (Certificate, CertificateList, BasicOCSPResponse:
// SEQUENCE { toBeSigned, algorithm, signature, ... }): the first element inside the outer SEQUENCE, cut from the
// input rather than re-encoded, because re-encoding a parsed tree could mend a non-DER encoding and so verify
// bytes the signer never signed.
export function signedPart(der: Uint8Array): Uint8Array {
  const element = (at: number): { content: number; end: number } => {
    const tag = der[at];
    let len = der[at + 1];
    if (tag === undefined || len === undefined || (tag & 0x1f) === 0x1f) throw new Error('truncated or unexpected DER header');
    let p = at + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4) throw new Error('indefinite or oversized DER length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (der[p++] ?? Number.NaN);
    }
    if (!(p + len <= der.length)) throw new Error('DER length runs past the end');
    return { content: p, end: p + len };
  };
  const outer = element(0);
  return der.subarray(outer.content, element(outer.content).end);
}
