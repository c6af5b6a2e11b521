#!/usr/bin/env python3
"""Recovers the CRT form of the NIST CAVP 2048-bit key and writes vectors/jpki/user-auth-key.json.

NIST's SigGen15_186-3.txt gives n, e and d only. p and q are recovered from (n, e, d) with the probabilistic
method of NIST SP 800-56B Rev. 2, Appendix C.2 ("Probabilistic Prime-Factor Recovery"): write k = d*e - 1 =
2^t * r with r odd; for g = 2, 3, 4, ... compute y = g^r mod n and square it up to t times; a y with
y != 1, y != n-1 and y^2 = 1 (mod n) gives p = gcd(y - 1, n). Then dP = d mod (p-1), dQ = d mod (q-1),
qInv = q^-1 mod p (RFC 8017 section 3.2). p is the larger prime, as in the common RSAPrivateKey of this key.

Checks (the script stops on the first that fails): p*q == n; both p and q are 1024 bits and pass 40 rounds of
Miller-Rabin; e*d == 1 mod lcm(p-1, q-1); dp, dq, qinv satisfy their definitions; and every component equals
the one in the independent ring transcription (RingKey line of the excerpt).
Run from the repository root: python3 tools/recover-crt.py
"""
import json
import math
import os
import random
import re

HERE = os.path.join('vectors', 'jpki')
SOURCE = os.path.join(HERE, 'source', 'siggen15-186-3-mod2048-sha256.txt')


def field(text: str, name: str) -> int:
    m = re.search(rf'^{name} = ([0-9a-fA-F]+)$', text, re.M)
    assert m, f'{SOURCE}: no "{name} = " line'
    return int(m.group(1), 16)


def recover(n: int, e: int, d: int) -> tuple[int, int]:
    """SP 800-56B Rev. 2 Appendix C.2; g runs 2, 3, ... so the result is the same on every run."""
    k = d * e - 1
    assert k % 2 == 0
    t, r = 0, k
    while r % 2 == 0:
        r //= 2
        t += 1
    for g in range(2, 1000):
        y = pow(g, r, n)
        if y in (1, n - 1):
            continue
        for _ in range(t):
            x = pow(y, 2, n)
            if x == 1:
                p = math.gcd(y - 1, n)
                q = n // p
                return (p, q) if p > q else (q, p)
            if x == n - 1:
                break
            y = x
    raise ValueError('prime factors not found')


def probably_prime(m: int, rounds: int = 40) -> bool:
    if m % 2 == 0:
        return False
    s, r = 0, m - 1
    while r % 2 == 0:
        r //= 2
        s += 1
    rng = random.Random(m)  # seeded: the check is reproducible
    for _ in range(rounds):
        x = pow(rng.randrange(2, m - 1), r, m)
        if x in (1, m - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, m)
            if x == m - 1:
                break
        else:
            return False
    return True


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


def hx(v: int, size: int) -> str:
    return v.to_bytes(size, 'big').hex().upper()


def main():
    text = open(SOURCE).read()
    n, e, d = field(text, 'n'), field(text, 'e'), field(text, 'd')
    assert n.bit_length() == 2048, 'not a 2048-bit modulus'
    p, q = recover(n, e, d)
    dp, dq, qinv = d % (p - 1), d % (q - 1), pow(q, -1, p)

    lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
    assert p * q == n, 'p*q != n'
    assert p.bit_length() == q.bit_length() == 1024, 'p or q is not 1024 bits'
    assert probably_prime(p) and probably_prime(q), 'p or q is not prime'
    assert (e * d) % lam == 1, 'e*d != 1 mod lcm(p-1, q-1)'
    assert (e * dp) % (p - 1) == 1 and (e * dq) % (q - 1) == 1, 'dp or dq wrong'
    assert (q * qinv) % p == 1, 'qinv wrong'

    ring_hex = re.search(r'^RingKey = ([0-9a-f]+)$', text, re.M).group(1)
    ring = der_ints(bytes.fromhex(ring_hex))
    assert ring == [0, n, e, d, p, q, dp, dq, qinv], 'ring transcription disagrees with NIST n/e/d or the recovery'

    key = {
        'source': 'NIST CAVP SigGen15_186-3.txt (186-3rsatestvectors.zip), [mod = 2048]: n, e, d as published '
                  '(excerpt: vectors/jpki/source/siggen15-186-3-mod2048-sha256.txt); p, q recovered from (n, e, d) '
                  'by tools/recover-crt.py (NIST SP 800-56B Rev. 2 Appendix C.2); dp, dq, qinv per RFC 8017 3.2; '
                  'all equal to briansmith/ring src/rsa/rsa_pkcs1_sign_tests.txt. e = 0x260445 as NIST chose it.',
        'n': hx(n, 256), 'e': hx(e, (e.bit_length() + 7) // 8), 'd': hx(d, 256),
        'p': hx(p, 128), 'q': hx(q, 128), 'dp': hx(dp, 128), 'dq': hx(dq, 128), 'qinv': hx(qinv, 128),
    }
    with open(os.path.join(HERE, 'user-auth-key.json'), 'w') as f:
        json.dump(key, f, indent=2)
        f.write('\n')
    print('recovered p, q from NIST n, e, d; p*q = n, e*d = 1 mod lambda(n), dp/dq/qinv checked, ring agrees')


if __name__ == '__main__':
    main()
