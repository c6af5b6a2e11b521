#!/usr/bin/env python3
"""Builds the one OTA vector no public source publishes: a command packet with SPI counter mode 11 ("process only
if CNTR is exactly one higher", ETSI TS 102 225 5.1.1), computed with the Python `cryptography` package, an
implementation independent of simcert's harness/ota code. The rules applied are the reference sheet's (section 2):
pad so 6 + |CC| + |data| is a multiple of 16 with 00s, AES-CMAC over CPL..PCNTR + data + padding (leftmost 8 octets),
then AES-CBC with a zero IV over CNTR onward. Keys are pySim's public SJA5 AES-128 sample keys.
Also checks the construction against pySim's published AES128-SJA5-CIPHERED-CC vector first, so a slip here shows.
Prints the JSON entry for vectors/ota/secured-packets.json (field `generated`)."""
import json
from cryptography.hazmat.primitives.cmac import CMAC
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KIC = bytes.fromhex('200102030405060708090a0b0c0d0e0f')
KID = bytes.fromhex('201102030405060708090a0b0c0d0e0f')

def packet(spi: bytes, kic: int, kid: int, tar: bytes, cntr: int, data: bytes) -> bytes:
    cc_len = 8
    pcntr = (-(6 + cc_len + len(data))) % 16
    chl = 13 + cc_len
    cpl = 1 + chl + len(data) + pcntr
    clear = cpl.to_bytes(2, 'big') + bytes([chl]) + spi + bytes([kic, kid]) + tar
    head = cntr.to_bytes(5, 'big') + bytes([pcntr])
    padded = data + bytes(pcntr)
    mac = CMAC(algorithms.AES(KID)); mac.update(clear + head + padded)
    cc = mac.finalize()[:cc_len]
    enc = Cipher(algorithms.AES(KIC), modes.CBC(bytes(16))).encryptor()
    return clear + enc.update(head + cc + padded) + enc.finalize()

# Self-check against pySim test_ota.py AES128-SJA5-CIPHERED-CC (SPI 0619, no counter).
ps = packet(bytes.fromhex('0619'), 0x22, 0x22, bytes.fromhex('b00011'), 0, bytes.fromhex('00a40004023f00'))
assert ps.hex() == '00281506192222b00011e87cceebb2d93083011ce294f93fc4d8de80da1abae8c37ca3e72ec4432e5058', ps.hex()

spi = bytes.fromhex('1e19')  # SPI1 1E: CC, ciphered, counter exactly one higher; SPI2 19: PoR required, CC, ciphered
data = bytes.fromhex('80f24000024f0000')  # GET STATUS (ISD)
out = packet(spi, 0x22, 0x22, bytes.fromhex('000000'), 0x2a, data)
print(json.dumps({'spi': spi.hex().upper(), 'tar': '000000', 'counter': '000000002A', 'data': data.hex().upper(),
                  'packet': out.hex().upper()}, indent=2))
