package javacard.security;

public interface PublicKey extends Key {
}
