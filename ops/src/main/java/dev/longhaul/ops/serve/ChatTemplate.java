/*
 * How chat messages become one prompt. The bundled and synthesized MiniMax models carry no chat
 * template (tokenizer_config.json has none), so serve uses this plain one: each message as
 * "<role>: <content>\n", in order, then "assistant:" for the model to continue. Roles are system
 * (or developer, its newer name, written as system), user and assistant; content is a string or an array of {"type": "text", "text": ...} parts. The
 * reply ends at the model's eos token, at max_tokens, at a request stop string, or where the model
 * starts the next user turn ("\nuser:", an implicit stop string).
 */
package dev.longhaul.ops.serve;

import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

final class ChatTemplate {
    /** Where a base model, continuing the transcript, would begin the user's next message. */
    static final String NEXT_TURN = "\nuser:";

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    private ChatTemplate() {
    }

    static String render(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiError.invalid("messages", "messages must be a non-empty array");
        }
        StringBuilder prompt = new StringBuilder();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.path("role").asText("");
            if (!ROLES.contains(role)) {
                throw ApiError.invalid("messages[" + i + "].role", "role must be one of " + ROLES + ", got '" + role + "'");
            }
            // "developer" is OpenAI's newer name for the system role
            prompt.append(role.equals("developer") ? "system" : role).append(": ").append(content(m.get("content"), i)).append('\n');
        }
        return prompt.append("assistant:").toString();
    }

    private static String content(JsonNode content, int index) {
        if (content != null && content.isTextual()) {
            return content.asText();
        }
        if (content != null && content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.invalid("messages[" + index + "].content", "only text content parts are supported");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiError.invalid("messages[" + index + "].content", "content must be a string or an array of text parts");
    }
}
