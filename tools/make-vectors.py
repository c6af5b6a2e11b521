#!/usr/bin/env python3
"""Writes vectors/jpki/{user-auth-key,digestinfo,signatures}.json and token-info.bin from published sources.

- The key: tools/recover-crt.py (run first, from here) takes NIST's n, e, d from the CAVP excerpt in
  vectors/jpki/source/ and recovers p, q, dp, dq, qinv.
- The SHA-256 Msg/S pairs come from the same NIST CAVP excerpt (SigGen15_186-3.txt [mod = 2048]).
- The SHA-1/SHA-256 digests of the FIPS 180-2 example messages are checked against the values FIPS 180-2
  publishes (Appendix A.1/A.2 for SHA-1, B.1/B.2 for SHA-256) before they are used; the CAVP messages'
  digests are computed with Python's hashlib and checked against `openssl dgst`.
- Signatures that no publication gives (the FIPS 180-2 messages) are made with the OpenSSL CLI, an
  implementation independent of this project; every signature, NIST's included, is then checked with
  `openssl pkeyutl -verifyrecover` under the public key, which must give back exactly the DigestInfo.
- token-info.bin is the project's own test content (layout in vectors/README.md), not data from a real card.
- The signing key (signing-key.json, signing-signatures.json): Project Wycheproof's 2048-bit SHA-256
  RsassaPkcs1Generate key and signatures (excerpt in vectors/jpki/source/wycheproof-...txt); its components are
  read from the published PEM by `openssl rsa -text` (OpenSSL checks the key with -check first), and every
  published signature is checked with `openssl pkeyutl -verifyrecover`.
Run from the repository root: python3 tools/make-vectors.py
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.join('vectors', 'jpki')
SOURCE = os.path.join(HERE, 'source', 'siggen15-186-3-mod2048-sha256.txt')
SIGNING_SOURCE = os.path.join(HERE, 'source', 'wycheproof-rsa-sig-gen-misc-2048-sha256.txt')

# RFC 8017 section 9.2, note 1: DER of DigestInfo up to the digest.
PREFIX = {'sha1': '3021300906052b0e03021a05000414', 'sha256': '3031300d060960864801650304020105000420'}

# FIPS 180-2, Appendix A (SHA-1) and B (SHA-256): example messages and the digests printed there.
FIPS = [
    ('fips180-2-abc', b'abc', 'FIPS 180-2 Appendix A.1/B.1 one-block message "abc"',
     {'sha1': 'a9993e364706816aba3e25717850c26c9cd0d89d',
      'sha256': 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'}),
    ('fips180-2-448bit', b'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
     'FIPS 180-2 Appendix A.2/B.2 multi-block (448-bit) message',
     {'sha1': '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
      'sha256': '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'}),
]

# EF 0006: CK_TOKEN_INFO-like (PKCS #11 CK_TOKEN_INFO: label[32], manufacturerID[32], model[16],
# serialNumber[16], blank-padded, then the CK_ULONG fields, left zero here), 160 bytes in all.
TOKEN_INFO = [('label', 'JPKIAPGPSETOKEN', 32), ('manufacturerID', 'SIMCERT TEST', 32),
              ('model', 'JPKI-AP-REF', 16), ('serialNumber', '0000000000000001', 16)]
TOKEN_INFO_SIZE = 160


def der_len(n: int) -> bytes:
    return bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, 'big')


def der_int(v: int) -> bytes:
    b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), 'big')  # one spare bit: a leading 00 when b8 would be set
    return b'\x02' + der_len(len(b)) + b


def rsa_private_key_der(k: dict) -> bytes:
    """RFC 8017 A.1.2 RSAPrivateKey (version 0) from the hex components of user-auth-key.json."""
    body = der_int(0) + b''.join(der_int(int(k[f], 16)) for f in ('n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qinv'))
    return b'\x30' + der_len(len(body)) + body


def openssl(*args, data: bytes = b'') -> bytes:
    return subprocess.run(['openssl', *args], input=data, capture_output=True, check=True).stdout


def openssl_components(pem: str) -> dict:
    """n, e, d, p, q, dp, dq, qinv as OpenSSL prints them (`openssl rsa -text`), uppercase hex without sign byte."""
    text = openssl('rsa', '-in', pem, '-noout', '-text').decode()
    names = {'modulus': 'n', 'privateExponent': 'd', 'prime1': 'p', 'prime2': 'q', 'exponent1': 'dp',
             'exponent2': 'dq', 'coefficient': 'qinv'}
    out = {}
    for label, key in names.items():
        m = re.search(rf'^{label}:\n((?:\s+[0-9a-f:]+\n)+)', text, re.M)
        assert m, f'openssl rsa -text printed no {label}'
        out[key] = even_hex(int(re.sub(r'[\s:]', '', m.group(1)), 16))
    e = re.search(r'^publicExponent: (\d+)', text, re.M)
    out['e'] = even_hex(int(e.group(1)))
    return out


def even_hex(v: int) -> str:
    h = format(v, 'X')
    return '0' + h if len(h) % 2 else h


def signing_vectors(tmp: str):
    """The signing key of the fixture and Wycheproof's signatures under it, each checked with OpenSSL."""
    text = open(SIGNING_SOURCE).read()
    pem_text = re.search(r'-----BEGIN RSA PRIVATE KEY-----.*?-----END RSA PRIVATE KEY-----\n', text, re.S).group(0)
    pem = os.path.join(tmp, 'signing.pem')
    with open(pem, 'w') as f:
        f.write(pem_text)
    openssl('rsa', '-in', pem, '-check', '-noout')
    key = {'source': 'Project Wycheproof 0.8r12 testvectors/rsa_sig_gen_misc_test.json, group keysize 2048 / SHA-256 '
                     '(tcId 81..88): privateKeyPem (excerpt: vectors/jpki/source/wycheproof-rsa-sig-gen-misc-2048-sha256.txt); '
                     'components as `openssl rsa -text` prints them'}
    key.update(openssl_components(pem))
    assert len(key['n']) == 512, 'the signing key must be RSA-2048'
    pub = os.path.join(tmp, 'signing-pub.pem')
    subprocess.run(['openssl', 'rsa', '-in', pem, '-pubout', '-out', pub], check=True, capture_output=True)
    entries = []
    for tc, msg, sig in re.findall(r'^tcId = (\d+)\nmsg =[ ]?(\w*)\nsig = (\w+)', text, re.M):
        dig = hashlib.sha256(bytes.fromhex(msg)).hexdigest()
        di = (PREFIX['sha256'] + dig).upper()
        rec = openssl('pkeyutl', '-verifyrecover', '-pubin', '-inkey', pub, '-pkeyopt', 'rsa_padding_mode:pkcs1',
                      data=bytes.fromhex(sig))
        assert rec.hex().upper() == di, f'Wycheproof tcId {tc}: signature does not recover its DigestInfo'
        entries.append({'id': f'wycheproof-rsa-sig-gen-misc-tc{tc}', 'messageHex': msg.upper(), 'digestInfoHex': di,
                        'signatureHex': sig.upper(),
                        'source': f'Project Wycheproof 0.8r12 rsa_sig_gen_misc_test.json tcId {tc} (msg, sig); '
                                  'DigestInfo = RFC 8017 9.2 note 1 prefix || SHA-256(msg)'})
    assert len(entries) >= 3
    return key, entries


def main():
    subprocess.run([sys.executable, os.path.join('tools', 'recover-crt.py')], check=True)
    key = json.load(open(os.path.join(HERE, 'user-auth-key.json')))
    text = open(SOURCE).read()
    version_line = openssl('version').decode().split()[1]

    def digest(alg: str, m: bytes) -> str:
        dig = hashlib.new(alg, m).hexdigest()
        other = openssl('dgst', f'-{alg}', '-r', data=m).decode().split()[0]
        assert dig == other, f'hashlib and openssl dgst disagree on {alg}'
        return dig

    digest_infos, signatures = [], []
    pairs = re.findall(r'^SHAAlg = SHA256\nMsg = (\w+)\nS = (\w+)', text, re.M)
    assert len(pairs) >= 3
    for k, (msg, sig) in enumerate(pairs, start=1):
        dig = digest('sha256', bytes.fromhex(msg))
        vid = f'cavp-siggen15-2048-sha256-{k}'
        digest_infos.append({'id': vid, 'hash': 'sha256', 'messageHex': msg.upper(),
                             'messageSource': f'NIST CAVP SigGen15_186-3.txt [mod = 2048] SHAAlg = SHA256, Msg #{k}',
                             'digestHex': dig.upper(), 'digestInfoHex': (PREFIX['sha256'] + dig).upper()})
        signatures.append({'digestInfoId': vid, 'signatureHex': sig.upper(),
                           'source': f'NIST CAVP SigGen15_186-3.txt [mod = 2048] SHAAlg = SHA256, S #{k}'})

    with tempfile.TemporaryDirectory() as tmp:
        pem = os.path.join(tmp, 'key.pem')
        openssl('rsa', '-inform', 'DER', '-out', pem, data=rsa_private_key_der(key))
        openssl('rsa', '-in', pem, '-check', '-noout')  # OpenSSL's own consistency check of the CRT key
        for name, msg, src, published in FIPS:
            for alg in ('sha256', 'sha1'):
                dig = digest(alg, msg)
                assert dig == published[alg], f'{name} {alg}: digest disagrees with FIPS 180-2'
                vid = f'{name}-{alg}'
                di = PREFIX[alg] + dig
                sig = openssl('pkeyutl', '-sign', '-inkey', pem, '-pkeyopt', 'rsa_padding_mode:pkcs1', data=bytes.fromhex(di))
                digest_infos.append({'id': vid, 'hash': alg, 'messageHex': msg.hex().upper(), 'messageSource': src,
                                     'digestHex': dig.upper(), 'digestInfoHex': di.upper()})
                signatures.append({'digestInfoId': vid, 'signatureHex': sig.hex().upper(),
                                   'source': f'OpenSSL {version_line} pkeyutl -sign, rsa_padding_mode:pkcs1 (RSASSA-PKCS1-v1_5 '
                                             'over the DigestInfo); an implementation independent of simcert'})
        # Every signature, NIST's too, must give back its DigestInfo under the public key.
        pub = os.path.join(tmp, 'pub.pem')
        subprocess.run(['openssl', 'rsa', '-in', pem, '-pubout', '-out', pub], check=True, capture_output=True)
        for di, s in zip(digest_infos, signatures):
            rec = openssl('pkeyutl', '-verifyrecover', '-pubin', '-inkey', pub, '-pkeyopt', 'rsa_padding_mode:pkcs1',
                          data=bytes.fromhex(s['signatureHex']))
            assert rec.hex().upper() == di['digestInfoHex'], f'{di["id"]}: signature does not recover its DigestInfo'
        signing_key, signing_sigs = signing_vectors(tmp)

    token = b''.join(v.encode('ascii').ljust(size, b' ') for _, v, size in TOKEN_INFO).ljust(TOKEN_INFO_SIZE, b'\0')
    assert len(token) == TOKEN_INFO_SIZE

    def dump(name, obj):
        with open(os.path.join(HERE, name), 'w') as f:
            json.dump(obj, f, indent=2, ensure_ascii=False)
            f.write('\n')
    dump('digestinfo.json', digest_infos)
    dump('signatures.json', {'entries': signatures})
    dump('signing-key.json', signing_key)
    dump('signing-signatures.json', {'entries': signing_sigs})
    with open(os.path.join(HERE, 'token-info.bin'), 'wb') as f:
        f.write(token)
    print(f'{len(digest_infos)} DigestInfo vectors, {len(signatures)} signatures, all verified; token-info.bin {len(token)} bytes')


if __name__ == '__main__':
    main()
