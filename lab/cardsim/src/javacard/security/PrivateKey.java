package javacard.security;

public interface PrivateKey extends Key {
}
