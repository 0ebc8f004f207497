/*
 * A request the API refuses, answered in OpenAI's error shape:
 * {"error": {"message", "type", "param", "code"}} with the HTTP status given here. Thrown anywhere
 * while a request is read or run; ServeServer turns it into the answer.
 */
package dev.longhaul.ops.serve;

import java.util.LinkedHashMap;
import java.util.Map;

final class ApiError extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;

    ApiError(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400, invalid_request_error, naming the parameter at fault (or null). */
    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, null, message);
    }

    static ApiError modelNotFound(String model) {
        return new ApiError(404, "invalid_request_error", "model", "model_not_found",
                "The model `" + model + "` does not exist.");
    }

    Map<String, Object> body() {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", getMessage());
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return Map.of("error", error);
    }
}
