/*
 * What the pipeline's producer does when a record cannot be serialized or sent. The one case
 * handled here: a record bound for a tenant's own topic (its statuses) whose schema the registry
 * refuses under the tenant's subject (a 409 after the tenant registered something incompatible
 * there, a 403 from a registry that lets tenants own their subjects). That is the tenant's own
 * doing, and failing would stop the task at every retry, for every tenant, the planner and the
 * dispatcher; the record is dropped with a warning instead (the job's shared status and results
 * are unaffected). Everything else keeps Streams' default: a retriable error is retried, any
 * other fails the task (and an outage of the registry replaces the thread, see StreamFailures).
 * The tenants' topic prefix comes from TENANT_PREFIX_CONFIG.
 */
package dev.longhaul.pipeline.tenant;

import java.util.Map;

import dev.longhaul.pipeline.StreamFailures;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;

public final class TenantOutputFailures implements ProductionExceptionHandler {
    /** The prefix of every tenant's topics (Topics.tenantNamespace of the namespace, less the tenant). */
    public static final String TENANT_PREFIX_CONFIG = "longhaul.tenant.topic.prefix";
    private static final System.Logger LOG = System.getLogger(TenantOutputFailures.class.getName());

    private String tenantPrefix;

    @Override
    public void configure(Map<String, ?> configs) {
        Object prefix = configs.get(TENANT_PREFIX_CONFIG);
        tenantPrefix = prefix == null ? null : prefix.toString();
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        return exception instanceof RetriableException ? Response.retry() : Response.fail();
    }

    @Override
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                             SerializationExceptionOrigin origin) {
        if (tenantPrefix != null && record.topic() != null && record.topic().startsWith(tenantPrefix)
                && StreamFailures.registryRefusal(exception)) {
            LOG.log(System.Logger.Level.WARNING, "a record for " + record.topic() + " was dropped: the schema registry refuses"
                    + " its schema under that tenant's subject (" + exception.getMessage() + ")");
            return Response.resume();
        }
        return Response.fail();
    }
}
