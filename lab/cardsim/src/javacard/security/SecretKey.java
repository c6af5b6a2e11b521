package javacard.security;

public interface SecretKey extends Key {
}
