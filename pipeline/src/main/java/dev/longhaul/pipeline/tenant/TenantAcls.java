/*
 * The Kafka ACLs that keep a tenant to its own topics (Topics.forTenant), as Admin.createAcls takes
 * them: principal User:<tenant> may read, write and describe topics and transactional ids under
 * its prefix "<ns>tenant.<tenant>." and nothing else; with an authorizer that denies what no ACL
 * allows (StandardAuthorizer, allow.everyone.if.no.acl.found=false), it cannot touch the shared
 * topics or another tenant's. The pipeline, workers, registry and sinks run as super users (their
 * principals in super.users): they read and write across every tenant by design.
 */
package dev.longhaul.pipeline.tenant;

import java.util.ArrayList;
import java.util.List;

import dev.longhaul.schemas.Topics;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

public final class TenantAcls {
    private TenantAcls() {}

    /** The bindings for principal User:<principal> acting as `tenant` under `namespace`. */
    public static List<AclBinding> bindings(String namespace, String tenant, String principal) {
        String prefix = Topics.tenantNamespace(namespace, tenant);
        String user = "User:" + principal;
        List<AclBinding> acls = new ArrayList<>();
        for (AclOperation op : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE)) {
            acls.add(allow(ResourceType.TOPIC, prefix, user, op));
        }
        // Submissions are transactions; their ids are prefixed too (IngestConfig.withTenant).
        for (AclOperation op : List.of(AclOperation.WRITE, AclOperation.DESCRIBE)) {
            acls.add(allow(ResourceType.TRANSACTIONAL_ID, prefix, user, op));
        }
        return acls;
    }

    private static AclBinding allow(ResourceType type, String prefix, String user, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, prefix, PatternType.PREFIXED),
                new AccessControlEntry(user, "*", op, AclPermissionType.ALLOW));
    }
}
