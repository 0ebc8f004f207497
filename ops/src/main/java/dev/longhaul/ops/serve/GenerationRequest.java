/*
 * One POST /v1/completions or /v1/chat/completions body, read and checked into what the engine
 * runs: prompt token ids, SamplingParams, stop strings, and how to answer (stream, usage chunk).
 * Read: model (optional; any other id than the served one is 404), prompt (string, array of token
 * ids, or a one-element array of either) or messages (ChatTemplate), max_tokens (chat also
 * max_completion_tokens; default 16 for completions as OpenAI, for chat what the context holds, at
 * most CHAT_DEFAULT_MAX_TOKENS), temperature (default 1; 0 is greedy), top_p (default 1), seed
 * (default: random when sampling), stop (string or up to 4 strings), stream,
 * stream_options.include_usage, and response_format (text, or json_schema: decoding constrained
 * to the schema as the local worker does). Refused with 400 rather than silently ignored: n or
 * best_of above 1, echo, logprobs, suffix, logit_bias, non-zero penalties, json_object, tools.
 * Other fields (user, ...) are ignored. The model's eos token always ends the output.
 */
package dev.longhaul.ops.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import dev.longhaul.engine.constrain.JsonGrammar;
import dev.longhaul.engine.constrain.SchemaConstraint;
import dev.longhaul.engine.generate.SamplingParams;

record GenerationRequest(Endpoint endpoint, int[] promptIds, SamplingParams params, List<String> stops, boolean stream,
                         boolean includeUsage) {
    static final int COMPLETION_DEFAULT_MAX_TOKENS = 16;
    static final int CHAT_DEFAULT_MAX_TOKENS = 512;
    private static final int MAX_STOPS = 4;

    /** Which of the two generation endpoints a body was posted to. */
    enum Endpoint {
        COMPLETIONS, CHAT
    }

    boolean chat() {
        return endpoint == Endpoint.CHAT;
    }

    static GenerationRequest read(JsonNode body, Endpoint endpoint, ServedModel model) {
        boolean chat = endpoint == Endpoint.CHAT;
        if (body == null || !body.isObject()) {
            throw ApiError.invalid(null, "the body must be a JSON object");
        }
        JsonNode name = body.get("model");
        if (name != null && !name.isNull() && !name.asText().equals(model.id())) {
            throw ApiError.modelNotFound(name.asText());
        }
        refuseUnsupported(body, chat);
        int[] prompt = chat ? model.tokenizer().encode(ChatTemplate.render(body.get("messages"))) : prompt(body.get("prompt"), model);
        if (prompt.length == 0) {
            throw ApiError.invalid(chat ? "messages" : "prompt", "the prompt is empty");
        }
        int room = model.maxContext() - prompt.length;
        if (room < 1) {
            throw ApiError.invalid(chat ? "messages" : "prompt", "the prompt has " + prompt.length
                    + " tokens; the model's context is " + model.maxContext());
        }
        JsonNode max = chat && body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
        int maxTokens;
        if (max == null || max.isNull()) {
            maxTokens = Math.min(room, chat ? CHAT_DEFAULT_MAX_TOKENS : COMPLETION_DEFAULT_MAX_TOKENS);
        } else if (!integral(max) || !max.canConvertToInt() || max.asInt() < 1) {
            throw ApiError.invalid("max_tokens", "max_tokens must be a positive integer");
        } else if (max.asInt() > room) {
            throw ApiError.invalid("max_tokens", "max_tokens " + max.asInt() + " plus the prompt's " + prompt.length
                    + " tokens exceed the model's context of " + model.maxContext());
        } else {
            maxTokens = max.asInt();
        }
        double temperature = number(body, "temperature", 1, 0, 2);
        double topP = number(body, "top_p", 1, Double.MIN_VALUE, 1);
        JsonNode seedNode = body.get("seed");
        if (seedNode != null && !seedNode.isNull() && (!integral(seedNode) || !seedNode.canConvertToLong())) {
            throw ApiError.invalid("seed", "seed must be an integer");
        }
        long seed = seedNode == null || seedNode.isNull() ? ThreadLocalRandom.current().nextLong() : seedNode.asLong();
        SamplingParams params = new SamplingParams(temperature, topP, seed, maxTokens, java.util.Set.of());
        if (model.tokenizer().eosTokenId().isPresent()) {
            params = params.withStopTokens(model.tokenizer().eosTokenId().getAsInt());
        }
        params = withResponseFormat(params, body.get("response_format"), model);
        List<String> stops = stops(body.get("stop"));
        if (chat) {
            stops.add(ChatTemplate.NEXT_TURN);
        }
        boolean stream = body.path("stream").asBoolean(false);
        if (!stream && body.hasNonNull("stream_options")) {
            throw ApiError.invalid("stream_options", "stream_options is only allowed when stream is true");
        }
        boolean usage = stream && body.path("stream_options").path("include_usage").asBoolean(false);
        return new GenerationRequest(endpoint, prompt, params, stops, stream, usage);
    }

    private static int[] prompt(JsonNode prompt, ServedModel model) {
        if (prompt != null && prompt.isArray() && prompt.size() == 1 && (prompt.get(0).isTextual() || prompt.get(0).isArray())) {
            prompt = prompt.get(0);
        }
        if (prompt != null && prompt.isTextual()) {
            return model.tokenizer().encode(prompt.asText());
        }
        if (prompt != null && prompt.isArray()) {
            int[] ids = new int[prompt.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode id = prompt.get(i);
                // canConvertToInt first: asLong() wraps an id past 2^63 round to a small valid one
                if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0 || id.asInt() >= model.vocabSize()) {
                    throw ApiError.invalid("prompt", "prompt[" + i + "] is not a token id in [0, " + model.vocabSize() + ")");
                }
                ids[i] = id.asInt();
            }
            return ids;
        }
        throw ApiError.invalid("prompt", "prompt must be a string, an array of token ids, or a one-element array of either");
    }

    private static SamplingParams withResponseFormat(SamplingParams params, JsonNode format, ServedModel model) {
        if (format == null || format.isNull() || "text".equals(format.path("type").asText())) {
            return params;
        }
        if (!"json_schema".equals(format.path("type").asText())) {
            throw ApiError.invalid("response_format", "response_format type " + format.path("type")
                    + " is not supported; use text or json_schema");
        }
        JsonNode schema = format.path("json_schema").get("schema");
        if (schema == null || !schema.isObject()) {
            throw ApiError.invalid("response_format", "response_format.json_schema.schema must be a JSON Schema object");
        }
        JsonGrammar grammar;
        try {
            grammar = JsonGrammar.compile(schema.toString());
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid("response_format", e.getMessage());
        }
        if (grammar.shortestLength() > params.maxTokens()) {
            throw ApiError.invalid("max_tokens", "the schema's shortest output takes " + grammar.shortestLength()
                    + " tokens, more than max_tokens " + params.maxTokens());
        }
        return params.withConstraint(new SchemaConstraint(grammar, model.vocabulary()));
    }

    private static List<String> stops(JsonNode stop) {
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return out;
        }
        if (stop.isTextual()) {
            stop = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode().add(stop.asText());
        }
        if (!stop.isArray() || stop.size() > MAX_STOPS) {
            throw ApiError.invalid("stop", "stop must be a string or an array of at most " + MAX_STOPS + " strings");
        }
        for (JsonNode s : stop) {
            if (!s.isTextual() || s.asText().isEmpty()) {
                throw ApiError.invalid("stop", "every stop must be a non-empty string");
            }
            out.add(s.asText());
        }
        return out;
    }

    private static double number(JsonNode body, String field, double fallback, double min, double max) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber() || n.asDouble() < min || n.asDouble() > max) {
            throw ApiError.invalid(field, field + " must be a number in [" + (min == Double.MIN_VALUE ? "0 exclusive" : min)
                    + ", " + max + "]");
        }
        return n.asDouble();
    }

    /** A JSON number with no fractional part (16 or 16.0, not 16.7, which OpenAI refuses rather than rounds). */
    private static boolean integral(JsonNode n) {
        return n.isIntegralNumber() || n.isNumber() && n.asDouble() == Math.rint(n.asDouble()) && !Double.isInfinite(n.asDouble());
    }

    /**
     * vLLM's sampling parameters beyond OpenAI's, with the value that means "off": refused when
     * set to anything else, rather than ignored (a client asking for top_k would get plain sampling
     * and never know).
     */
    private static final java.util.Map<String, Double> EXTRAS_OFF = java.util.Map.of(
            "top_k", -1.0, "min_p", 0.0, "repetition_penalty", 1.0, "min_tokens", 0.0);

    private static void refuseUnsupported(JsonNode body, boolean chat) {
        for (var extra : EXTRAS_OFF.entrySet()) {
            JsonNode v = body.get(extra.getKey());
            // top_k 0 is also "off" in vLLM's older versions
            if (v != null && !v.isNull() && !(v.isNumber() && (v.asDouble() == extra.getValue()
                    || extra.getKey().equals("top_k") && v.asDouble() == 0))) {
                throw ApiError.invalid(extra.getKey(), extra.getKey() + " is not supported");
            }
        }
        if (body.path("ignore_eos").asBoolean(false)) {
            throw ApiError.invalid("ignore_eos", "ignore_eos is not supported");
        }
        if (body.hasNonNull("top_logprobs")) {
            throw ApiError.invalid("top_logprobs", "logprobs are not supported");
        }
        if (chat && body.hasNonNull("functions") && !body.get("functions").isEmpty()) {
            throw ApiError.invalid("functions", "functions (and tools) are not supported");
        }
        JsonNode functionCall = body.get("function_call");
        if (chat && functionCall != null && !functionCall.isNull() && !"none".equals(functionCall.asText())) {
            throw ApiError.invalid("function_call", "function calls are not supported");
        }
        if (body.path("n").asInt(1) != 1 || body.path("best_of").asInt(1) != 1) {
            throw ApiError.invalid("n", "only one choice per request (n = 1, best_of = 1) is supported");
        }
        if (body.path("echo").asBoolean(false)) {
            throw ApiError.invalid("echo", "echo is not supported");
        }
        JsonNode logprobs = body.get("logprobs");
        if (logprobs != null && !logprobs.isNull() && !(logprobs.isBoolean() && !logprobs.asBoolean())) {
            throw ApiError.invalid("logprobs", "logprobs are not supported");
        }
        if (body.hasNonNull("suffix")) {
            throw ApiError.invalid("suffix", "suffix is not supported");
        }
        if (body.hasNonNull("logit_bias") && !body.get("logit_bias").isEmpty()) {
            throw ApiError.invalid("logit_bias", "logit_bias is not supported");
        }
        for (String penalty : List.of("presence_penalty", "frequency_penalty")) {
            if (body.path(penalty).asDouble(0) != 0) {
                throw ApiError.invalid(penalty, penalty + " is not supported");
            }
        }
        if (chat && body.hasNonNull("tools") && !body.get("tools").isEmpty()) {
            throw ApiError.invalid("tools", "tools are not supported");
        }
    }
}
