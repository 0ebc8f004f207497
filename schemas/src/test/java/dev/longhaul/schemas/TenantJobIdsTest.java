/* A tenant's job ids: its name and a colon first; no tenant's prefix is a prefix of another's. */
package dev.longhaul.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TenantJobIdsTest {
    @Test
    void anIdIsATenantsWhenItBeginsWithItsNameAndAColon() {
        assertEquals("acme:", TenantJobIds.prefix("acme"));
        assertTrue(TenantJobIds.isTenants("acme:contract-7", "acme"));
        assertFalse(TenantJobIds.isTenants("acme:", "acme"), "the prefix alone is no id");
        assertFalse(TenantJobIds.isTenants("acmex:contract-7", "acme"), "another tenant whose name starts the same");
        assertFalse(TenantJobIds.isTenants("acme:contract-7", "acmex"));
        assertFalse(TenantJobIds.isTenants("contract-7", "acme"), "the operator's");
        assertFalse(TenantJobIds.isTenants(null, "acme"));
    }

    @Test
    void aTenantNameBeginsWithALetterOrDigitSoItsIdsAreValidJobIds() {
        assertThrows(IllegalArgumentException.class, () -> TenantJobIds.prefix("-acme"));
        assertThrows(IllegalArgumentException.class, () -> TenantJobIds.prefix("_acme"));
        assertThrows(IllegalArgumentException.class, () -> TenantJobIds.prefix("ac:me"));
        assertThrows(IllegalArgumentException.class, () -> Topics.tenantNamespace("longhaul.", "-acme"));
        assertEquals("longhaul.tenant.a-b_c.", Topics.tenantNamespace("longhaul.", "a-b_c"));
    }
}
