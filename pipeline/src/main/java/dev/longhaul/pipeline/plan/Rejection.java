/*
 * Why the planner refuses a submission: the machine-readable reason written to the dead letter and
 * the FAILED status, and a sentence for people.
 */
package dev.longhaul.pipeline.plan;

import dev.longhaul.schemas.wire.DeadLetterReason;

record Rejection(DeadLetterReason reason, String detail) {
    /** The status reason: the code, then the detail. */
    String statusReason() {
        return reason.name() + ": " + detail;
    }
}
