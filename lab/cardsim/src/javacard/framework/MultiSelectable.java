package javacard.framework;

/** An applet that may be selected on more than one logical channel at a time. */
public interface MultiSelectable {
    boolean select(boolean appInstAlreadyActive);

    void deselect(boolean appInstStillActive);
}
