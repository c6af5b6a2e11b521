package javacard.framework;

/** Marks an interface whose objects may be shared across applet firewalls. */
public interface Shareable {
}
