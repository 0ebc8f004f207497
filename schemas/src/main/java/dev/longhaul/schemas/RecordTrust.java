/*
 * Avro (1.12.1 and later) refuses to load a class named by a schema unless the class is trusted, its
 * guard against deserialization gadgets, and by default it trusts only JDK and Avro classes; so the
 * records generated in this package cannot be read or written until they are trusted. install()
 * adds exactly this package to Avro's process-wide trust, keeping everything trusted before (the
 * defaults and the org.apache.avro.SERIALIZABLE_* properties). Call it before the first specific
 * read or write (the Kafka serdes of issue 3 are to call it when constructed). Idempotent and thread-safe.
 */
package dev.longhaul.schemas;

import org.apache.avro.util.ClassSecurityValidator;
import org.apache.avro.util.ClassSecurityValidator.ClassSecurityPredicate;

public final class RecordTrust {
    private static final String PACKAGE = RecordTrust.class.getPackageName();
    private static boolean installed;

    private RecordTrust() {}

    /** Trusts the generated records of dev.longhaul.schemas (and nothing in other packages). */
    public static synchronized void install() {
        if (installed) return;
        ClassSecurityPredicate ours = type -> PACKAGE.equals(type.getPackageName());
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), ours));
        installed = true;
    }
}
