package org.simcert.cardsim.gp;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;

/**
 * Verification of the asymmetric signatures of secure content management (GPCS 2.3.1 appendix C, table C-1): DAP
 * blocks (C.3) and tokens (C.4). The scheme follows the key, as C-1 says a security domain shall: RSA of 1024 bits
 * is scheme 1 (B.3.1.1, RSASSA-PKCS1-v1_5 with SHA-1), longer RSA is scheme 2 (B.3.2.1, RSASSA-PSS with SHA-256,
 * MGF1-SHA-256, salt of 32 bytes), ECC is ECDSA (B.4.3) with SHA-256 for 256-383-bit keys and SHA-384 for 384-511,
 * its signature r || s in plain format.
 */
final class GpSignature {
    private GpSignature() {
    }

    /** A public key from its X.509 SubjectPublicKeyInfo DER (RSA or EC). */
    static PublicKey publicKey(byte[] spki) {
        for (String alg : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(spki));
            } catch (GeneralSecurityException e) {
                // try the other algorithm
            }
        }
        throw new IllegalArgumentException("not an RSA or EC public key (X.509 SubjectPublicKeyInfo DER)");
    }

    /** True when `signature` is `key`'s signature of `data` under the scheme table C-1 assigns to that key. */
    static boolean verify(PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature s;
            if (key instanceof RSAPublicKey) {
                int bits = ((RSAPublicKey) key).getModulus().bitLength();
                if (bits <= 1024) {
                    s = Signature.getInstance("SHA1withRSA");
                } else {
                    s = Signature.getInstance("RSASSA-PSS");
                    s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
                }
            } else if (key instanceof ECPublicKey) {
                int bits = ((ECPublicKey) key).getParams().getOrder().bitLength();
                s = Signature.getInstance(bits >= 384 ? "SHA384withECDSAinP1363Format" : "SHA256withECDSAinP1363Format");
            } else {
                return false;
            }
            s.initVerify(key);
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // a malformed signature is a bad signature
        }
    }
}
