package io.pgpilot.handlers;

import io.pgpilot.adapters.CloudFormationResponses;
import io.pgpilot.runner.Log;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A CloudFormation custom resource request and its one answer, PUT to the request's ResponseURL:
 * SUCCESS with the resource's physical id, or FAILED with the reason, which the stack event shows.
 * The answer carries no data (NoEcho), so nothing secret reaches the stack's events or outputs.
 */
final class CustomResources {

    private static final Set<String> REQUEST_TYPES = Set.of("Create", "Update", "Delete");

    /** What a Create or Update does; returns the resource's physical id. A Delete does nothing. */
    @FunctionalInterface
    interface Apply {
        String apply(Map<String, Object> properties, String requestId);
    }

    private CustomResources() {
    }

    static void handle(Map<String, Object> request, String resourceType, Apply apply, CloudFormationResponses responses,
                       Log log) {
        if (request == null || !(request.get("ResponseURL") instanceof String responseUrl) || responseUrl.isBlank()) {
            // Nothing to answer: not a CloudFormation request. Nothing is done.
            log.error("custom-resource-unreadable", "type", resourceType,
                    "reason", "not a CloudFormation custom resource request (no ResponseURL)");
            return;
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("StackId", request.get("StackId"));
        response.put("RequestId", request.get("RequestId"));
        response.put("LogicalResourceId", request.get("LogicalResourceId"));
        response.put("PhysicalResourceId", request.getOrDefault("PhysicalResourceId", request.get("LogicalResourceId")));
        response.put("NoEcho", true);
        try {
            String type = Events.text(request, "RequestType", "CloudFormation request");
            if (!REQUEST_TYPES.contains(type)) {
                throw new UnreadableEvent("CloudFormation request type " + type + ": expected Create, Update or Delete");
            }
            if (!"Delete".equals(type)) {
                String id = apply.apply(Events.object(request, "ResourceProperties", "CloudFormation request"),
                        Events.text(request, "RequestId", "CloudFormation request"));
                response.put("PhysicalResourceId", id);
            }
            log.info("custom-resource", "type", resourceType, "request", type, "id", response.get("PhysicalResourceId"));
            response.put("Status", "SUCCESS");
        } catch (RuntimeException e) {
            log.error("custom-resource-failed", "type", resourceType, "reason", e.getMessage());
            response.put("Status", "FAILED");
            response.put("Reason", resourceType + ": " + e.getMessage());
        }
        responses.send(responseUrl, Log.json(response));
    }
}
