#!/usr/bin/env python3
"""Writes vectors/jpki/{user-auth-key,digestinfo,signatures}.json from published sources.

- The key and the SHA-256 Msg/S pairs come from the NIST CAVP excerpt in vectors/jpki/source/.
- The SHA-1/SHA-256 digests of the FIPS 180-2 example messages are checked against the values FIPS 180-2
  publishes (Appendix A.1/A.2 for SHA-1, B.1/B.2 for SHA-256) before they are used.
- Signatures that no publication gives (the FIPS 180-2 messages) are made with the OpenSSL CLI, an
  implementation independent of this project; every signature, NIST's included, is then checked with
  `openssl pkeyutl -verifyrecover`, which must give back exactly the DigestInfo.
Run from the repository root: python3 tools/make-vectors.py
"""
import hashlib, json, os, re, subprocess, tempfile

HERE = os.path.join('vectors', 'jpki')
SOURCE = os.path.join(HERE, 'source', 'siggen15-186-3-mod2048-sha256.txt')

# RFC 8017 section 9.2, note 1: DER of DigestInfo up to the digest.
PREFIX = {'sha1': '3021300906052b0e03021a05000414', 'sha256': '3031300d060960864801650304020105000420'}

# FIPS 180-2, Appendix A (SHA-1) and B (SHA-256): example messages and their published digests.
FIPS = [
    ('fips180-2-abc', b'abc', 'FIPS 180-2 Appendix A.1/B.1 one-block message "abc"',
     {'sha1': 'a9993e364706816aba3e25717850c26c9cd0d89d',
      'sha256': 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'}),
    ('fips180-2-448bit', b'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
     'FIPS 180-2 Appendix A.2/B.2 multi-block (448-bit) message',
     {'sha1': '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
      'sha256': '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'}),
]


def der_ints(der: bytes) -> list[int]:
    """The INTEGERs of a DER SEQUENCE of INTEGERs (an RSAPrivateKey)."""
    def length(i):
        n = der[i]
        if n < 0x80:
            return n, i + 1
        k = n & 0x7F
        return int.from_bytes(der[i + 1:i + 1 + k], 'big'), i + 1 + k
    assert der[0] == 0x30
    _, i = length(1)
    out = []
    while i < len(der):
        assert der[i] == 0x02, 'expected INTEGER'
        n, i = length(i + 1)
        out.append(int.from_bytes(der[i:i + n], 'big'))
        i += n
    return out


def hx(n: int, size: int) -> str:
    return n.to_bytes(size, 'big').hex().upper()


def openssl(*args, data: bytes) -> bytes:
    return subprocess.run(['openssl', *args], input=data, capture_output=True, check=True).stdout


def main():
    text = open(SOURCE).read()
    key_der = bytes.fromhex(re.search(r'^Key = (\w+)', text, re.M).group(1))
    version, n, e, d, p, q, dp, dq, qinv = der_ints(key_der)
    assert version == 0 and p * q == n and (d * e) % ((p - 1) * (q - 1) // __import__('math').gcd(p - 1, q - 1)) == 1
    assert dp == d % (p - 1) and dq == d % (q - 1) and (qinv * q) % p == 1
    assert n.bit_length() == 2048
    key = {
        'source': 'NIST CAVP SigGen15_186-3.txt (186-3rsatestvectors.zip), [mod = 2048] key; CRT form as in '
                  'briansmith/ring src/rsa/rsa_pkcs1_sign_tests.txt; excerpt in vectors/jpki/source/',
        'n': hx(n, 256), 'e': hx(e, (e.bit_length() + 7) // 8), 'd': hx(d, 256),
        'p': hx(p, 128), 'q': hx(q, 128), 'dp': hx(dp, 128), 'dq': hx(dq, 128), 'qinv': hx(qinv, 128),
    }

    digest_infos, signatures = [], []
    for k, (msg, sig) in enumerate(re.findall(r'^Msg = (\w+)\nS = (\w+)', text, re.M), start=1):
        m = bytes.fromhex(msg)
        dig = hashlib.sha256(m).hexdigest()
        vid = f'cavp-siggen15-2048-sha256-{k}'
        digest_infos.append({'id': vid, 'hash': 'sha256', 'messageHex': msg.upper(),
                             'messageSource': f'NIST CAVP SigGen15_186-3.txt [mod = 2048] SHAAlg = SHA256, Msg #{k}',
                             'digestHex': dig.upper(), 'digestInfoHex': (PREFIX['sha256'] + dig).upper()})
        signatures.append({'digestInfoId': vid, 'signatureHex': sig.upper(),
                           'source': f'NIST CAVP SigGen15_186-3.txt [mod = 2048] SHAAlg = SHA256, S #{k}'})

    with tempfile.TemporaryDirectory() as tmp:
        pem = os.path.join(tmp, 'key.pem')
        openssl('rsa', '-inform', 'DER', '-out', pem, data=key_der)
        version_line = subprocess.run(['openssl', 'version'], capture_output=True, text=True, check=True).stdout.split()[1]
        for name, msg, src, published in FIPS:
            for alg in ('sha256', 'sha1'):
                dig = hashlib.new(alg, msg).hexdigest()
                assert dig == published[alg], f'{name} {alg}: hashlib disagrees with FIPS 180-2'
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

    def dump(name, obj):
        with open(os.path.join(HERE, name), 'w') as f:
            json.dump(obj, f, indent=2)
            f.write('\n')
    dump('user-auth-key.json', key)
    dump('digestinfo.json', digest_infos)
    dump('signatures.json', {'entries': signatures})
    print(f'{len(digest_infos)} DigestInfo vectors, {len(signatures)} signatures, all verified')


if __name__ == '__main__':
    main()
