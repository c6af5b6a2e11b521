#!/usr/bin/env bash
# Makes the test CAs and the JPKI-shaped user-authentication and signing certificates in vectors/jpki with the
# OpenSSL CLI (the signing CA key, vectors/jpki/signing-ca-key.pem, is made once like the other CA key).
# The CA key (vectors/jpki/ca-key.pem) is generated once and committed; with it and the fixed dates and serials
# below, the certificates come out the same on every run. TEST ONLY: both keys are public.
# Run from the repository root: bash tools/make-certs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=vectors/jpki
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The label lines before the PEM block are ignored by OpenSSL and node-forge alike.
label='TEST ONLY: private key of the simcert test CA (vectors/jpki/ca-cert.der), published on purpose.
Anyone can sign with it. Never trust ca-cert.der outside the lab; never use this key for anything real.'
if [ ! -f "$out/ca-key.pem" ]; then
  { printf '%s\n' "$label"; openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048; } > "$out/ca-key.pem"
elif ! head -1 "$out/ca-key.pem" | grep -q '^TEST ONLY'; then
  { printf '%s\n' "$label"; cat "$out/ca-key.pem"; } > "$tmp/ca-key.pem" && cat "$tmp/ca-key.pem" > "$out/ca-key.pem"
fi

# The user-auth key from user-auth-key.json (NIST CAVP's 2048-bit key) as PEM, for the certificate request.
python3 - "$out/user-auth-key.json" "$tmp/user.der" <<'PY'
import json, sys
k = json.load(open(sys.argv[1]))
def der_len(n):
    return bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, 'big')
def der_int(h):
    b = bytes.fromhex(h).lstrip(b'\0') or b'\0'
    if b[0] & 0x80: b = b'\0' + b
    return b'\x02' + der_len(len(b)) + b
body = der_int('00') + b''.join(der_int(k[f]) for f in ('n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qinv'))
open(sys.argv[2], 'wb').write(b'\x30' + der_len(len(body)) + body)
PY
openssl rsa -inform DER -in "$tmp/user.der" -out "$tmp/user.pem" 2>/dev/null

# The signing key: Wycheproof's published PEM, as the excerpt holds it.
sed -n '/-----BEGIN RSA PRIVATE KEY-----/,/-----END RSA PRIVATE KEY-----/p' \
  "$out/source/wycheproof-rsa-sig-gen-misc-2048-sha256.txt" > "$tmp/signing.pem"
signing_label='TEST ONLY: private key of the simcert signing test CA (vectors/jpki/signing-ca-cert.der), published on purpose.
Anyone can sign with it. Never trust signing-ca-cert.der outside the lab; never use this key for anything real.'
if [ ! -f "$out/signing-ca-key.pem" ]; then
  { printf '%s\n' "$signing_label"; openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048; } > "$out/signing-ca-key.pem"
fi

# Test policy OID under 2.25 (a UUID arc) so this can never pass for J-LIS's 1.2.392.200149.8.5.1.3.30.
policy=2.25.317889748246805472599632977833674085543

cat > "$tmp/ca.cnf" <<CNF
[ ca ]
default_ca = testca
[ testca ]
dir = $tmp
database = $tmp/index.txt
new_certs_dir = $tmp
serial = $tmp/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
preserve = yes
email_in_dn = no
[ any ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
[ req ]
distinguished_name = dn
prompt = no
utf8 = yes
string_mask = utf8only
[ dn ]
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ user_ext ]
keyUsage = critical, digitalSignature
certificatePolicies = $policy
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
issuerAltName = ASN1:SEQUENCE:ian_names
[ signing_ext ]
# The JPKI signing certificate's shape: non-repudiation beside digitalSignature, and J-LIS's policy OID for
# signing certificates (1.2.392.200149.8.5.1.1.20, ../shared/reference/jpki-card-interface.md); the issuer's
# "TEST" names and the test CA key keep it from passing for a J-LIS certificate.
keyUsage = critical, digitalSignature, nonRepudiation
certificatePolicies = 1.2.392.200149.8.5.1.1.20
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
# issuerAltName = GeneralNames { directoryName [4] Name { C=JP (PrintableString), O=公的個人認証サービス
# (UTF8String) } }, written with the ASN1: generator because the dirName: form encodes its values as Latin-1
# (MBSTRING_ASC) and cannot make a UTF8String from UTF-8 text.
issuerAltName = ASN1:SEQUENCE:ian_names
[ ian_names ]
dir = EXPLICIT:4,SEQUENCE:ian_name
[ ian_name ]
c = SET:ian_c
o = SET:ian_o
[ ian_c ]
atv = SEQUENCE:ian_c_atv
[ ian_c_atv ]
type = OID:countryName
value = PRINTABLESTRING:JP
[ ian_o ]
atv = SEQUENCE:ian_o_atv
[ ian_o_atv ]
type = OID:organizationName
value = FORMAT:UTF8,UTF8String:公的個人認証サービス
CNF
touch "$tmp/index.txt"

ca_dn='/C=JP/O=JPKI TEST/OU=JPKI for user authentication/OU=Japan Agency for Local Authority Information Systems (TEST)'
openssl req -new -config "$tmp/ca.cnf" -key "$out/ca-key.pem" -subj "$ca_dn" -out "$tmp/ca.csr"
echo 01 > "$tmp/serial"
openssl ca -batch -config "$tmp/ca.cnf" -selfsign -keyfile "$out/ca-key.pem" -in "$tmp/ca.csr" -extensions ca_ext \
  -startdate 20260101000000Z -enddate 20460101000000Z -notext -out "$tmp/ca.pem" 2>/dev/null
openssl x509 -in "$tmp/ca.pem" -outform DER -out "$out/ca-cert.der"

openssl req -new -config "$tmp/ca.cnf" -key "$tmp/user.pem" -subj '/C=JP/CN=SIMCERT-TEST-0001' -out "$tmp/user.csr"
echo 1000 > "$tmp/serial"
openssl ca -batch -config "$tmp/ca.cnf" -cert "$tmp/ca.pem" -keyfile "$out/ca-key.pem" -in "$tmp/user.csr" -extensions user_ext \
  -startdate 20260101000000Z -enddate 20310101000000Z -notext -out "$tmp/user-cert.pem" 2>/dev/null
openssl x509 -in "$tmp/user-cert.pem" -outform DER -out "$out/user-auth-cert.der"

openssl verify -CAfile "$tmp/ca.pem" "$tmp/user-cert.pem" >/dev/null

signing_ca_dn='/C=JP/O=JPKI TEST/OU=JPKI for digital signature/OU=Japan Agency for Local Authority Information Systems (TEST)'
openssl req -new -config "$tmp/ca.cnf" -key "$out/signing-ca-key.pem" -subj "$signing_ca_dn" -out "$tmp/signing-ca.csr"
: > "$tmp/index.txt" # a second CA: its own serial numbers, so a fresh database
echo 01 > "$tmp/serial"
openssl ca -batch -config "$tmp/ca.cnf" -selfsign -keyfile "$out/signing-ca-key.pem" -in "$tmp/signing-ca.csr" -extensions ca_ext \
  -startdate 20260101000000Z -enddate 20460101000000Z -notext -out "$tmp/signing-ca.pem" 2>/dev/null
openssl x509 -in "$tmp/signing-ca.pem" -outform DER -out "$out/signing-ca-cert.der"
openssl req -new -config "$tmp/ca.cnf" -key "$tmp/signing.pem" -subj '/C=JP/CN=SIMCERT-TEST-SIGN-0001' -out "$tmp/signing.csr"
echo 2000 > "$tmp/serial"
openssl ca -batch -config "$tmp/ca.cnf" -cert "$tmp/signing-ca.pem" -keyfile "$out/signing-ca-key.pem" -in "$tmp/signing.csr" \
  -extensions signing_ext -startdate 20260101000000Z -enddate 20310101000000Z -notext -out "$tmp/signing-cert.pem" 2>/dev/null
openssl x509 -in "$tmp/signing-cert.pem" -outform DER -out "$out/signing-cert.der"
openssl verify -CAfile "$tmp/signing-ca.pem" "$tmp/signing-cert.pem" >/dev/null
[ "$(openssl x509 -in "$tmp/signing-cert.pem" -noout -modulus)" = "$(openssl rsa -in "$tmp/signing.pem" -noout -modulus 2>/dev/null)" ]
[ "$(openssl x509 -in "$tmp/user-cert.pem" -noout -modulus)" = "$(openssl rsa -in "$tmp/user.pem" -noout -modulus 2>/dev/null)" ]
echo "wrote $out/signing-ca-cert.der, $out/signing-cert.der ($(stat -c %s "$out/signing-cert.der") bytes); chain verified"
echo "wrote $out/ca-cert.der ($(stat -c %s "$out/ca-cert.der") bytes), $out/user-auth-cert.der ($(stat -c %s "$out/user-auth-cert.der") bytes); chain verified"
