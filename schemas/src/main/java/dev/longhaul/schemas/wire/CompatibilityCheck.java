/* The answer to "may this schema be registered under that subject?", with the registry's reasons when it may not. */
package dev.longhaul.schemas.wire;

import java.util.List;

public record CompatibilityCheck(boolean compatible, List<String> messages) {
    public CompatibilityCheck {
        messages = List.copyOf(messages);
    }
}
