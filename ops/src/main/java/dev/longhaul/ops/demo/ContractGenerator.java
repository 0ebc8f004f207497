/*
 * Synthetic commercial contracts for the demo, so that it needs no corpus and ships no third-party
 * text. A contract has the shape of a real services or licence agreement: title, a preamble naming
 * the two parties and the effective date, recitals, numbered articles (definitions, services, fees
 * and payment, term and renewal, termination, confidentiality, liability, notices, governing law,
 * general provisions), a signature block, then schedules (statement of work, fees, service levels)
 * that carry most of the length, as long real agreements do.
 *
 * Contract: the same seed gives the same sequence of contracts, byte for byte; every contract holds
 * every Clause heading, names its parties, effective date and governing law as its Facts say, and
 * is at least the requested size (the last milestone may run a little past it). Not thread-safe.
 */
package dev.longhaul.ops.demo;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Random;

public final class ContractGenerator {
    /** The clause kinds every contract contains, with the article heading that opens each. */
    public enum Clause {
        PAYMENT("FEES AND PAYMENT"),
        TERM("TERM AND RENEWAL"),
        TERMINATION("TERMINATION"),
        GOVERNING_LAW("GOVERNING LAW AND DISPUTE RESOLUTION");

        public final String heading;

        Clause(String heading) {
            this.heading = heading;
        }
    }

    /** What the text states, for checks and for reading the extraction results against. */
    public record Facts(String title, String provider, String customer, LocalDate effectiveDate, int termMonths,
                        String governingLaw) {}

    public record Contract(Facts facts, String text) {}

    static final DateTimeFormatter LONG_DATE = DateTimeFormatter.ofPattern("MMMM d, yyyy", Locale.ENGLISH);

    private static final String[] TITLES = {"MASTER SERVICES AGREEMENT", "SOFTWARE LICENSE AND SUPPORT AGREEMENT",
        "DATA PROCESSING SERVICES AGREEMENT", "MANAGED HOSTING AGREEMENT", "PROFESSIONAL SERVICES AGREEMENT"};
    private static final String[] NAMES = {"Northwind Logistics", "Bluefin Analytics", "Harbor & Pike Software",
        "Meridian Health Partners", "Quarry Lane Foods", "Stellar Freight Systems", "Oakridge Capital Advisors",
        "Copperleaf Energy", "Tidewater Retail Group", "Granite Peak Manufacturing", "Luma Biosciences",
        "Redwood Civic Technologies", "Atlas Maritime Services", "Kestrel Payments", "Silverline Insurance"};
    private static final String[] FORMS = {"Inc., a Delaware corporation", "LLC, a Texas limited liability company",
        "GmbH, a company organized under the laws of Germany", "Ltd., a company registered in England and Wales",
        "Corp., a New York corporation", "B.V., a company organized under the laws of the Netherlands"};
    private static final String[] ADDRESSES = {"1200 Harbor Way, Oakland, California 94607",
        "88 Wood Street, London EC2V 7RS, United Kingdom", "455 Market Street, Suite 1400, San Francisco, California 94105",
        "Friedrichstrasse 68, 10117 Berlin, Germany", "300 Congress Avenue, Austin, Texas 78701",
        "Keizersgracht 241, 1016 EA Amsterdam, the Netherlands", "75 State Street, Boston, Massachusetts 02109"};
    private static final String[] LAWS = {"the State of New York", "the State of Delaware", "the State of California",
        "England and Wales", "the Federal Republic of Germany", "the Netherlands"};
    private static final String[] VENUES = {"the state and federal courts located in New York County, New York",
        "the state and federal courts located in Wilmington, Delaware", "the courts of San Francisco County, California",
        "the courts of England", "the Regional Court (Landgericht) of Berlin", "the District Court of Amsterdam"};
    private static final String[] SERVICES = {"cloud data warehousing", "freight route optimisation",
        "payment reconciliation", "clinical records hosting", "supply chain visibility", "customer support tooling"};
    private static final String[] DELIVERABLES = {"requirements specification", "data migration plan",
        "integration with the Customer's ERP system", "user acceptance test report", "operations runbook",
        "security assessment", "training sessions for administrators", "performance test report",
        "single sign-on configuration", "disaster recovery exercise", "monthly service report", "API client library"};
    private static final String[] ROLES = {"Solution Architect", "Project Manager", "Senior Engineer", "Data Engineer",
        "Support Engineer", "Security Analyst", "Trainer"};

    private final Random random;

    public ContractGenerator(long seed) {
        this.random = new Random(seed);
    }

    /** The next contract, at least {@code targetBytes} long (UTF-8; the text is ASCII). */
    public Contract next(int targetBytes) {
        String provider = pick(NAMES);
        String customer;
        do {
            customer = pick(NAMES);
        } while (customer.equals(provider));
        int law = random.nextInt(LAWS.length);
        Facts facts = new Facts(pick(TITLES), provider, customer,
                LocalDate.of(2021 + random.nextInt(5), 1 + random.nextInt(12), 1 + random.nextInt(28)),
                12 * (1 + random.nextInt(5)), LAWS[law]);
        StringBuilder body = new StringBuilder(targetBytes + 4096);
        preamble(body, facts);
        definitions(body);
        services(body);
        payment(body, facts);
        term(body, facts);
        termination(body);
        boilerplate(body, facts, law);
        signatures(body, facts);
        StringBuilder schedules = new StringBuilder();
        feeSchedule(schedules);
        serviceLevels(schedules);
        // The statement of work grows until the whole contract reaches the target size.
        StringBuilder work = new StringBuilder("\n\nSCHEDULE A\nSTATEMENT OF WORK\n\n");
        work.append("This Statement of Work is issued under, and governed by, the Agreement. Milestones are\n"
                + "delivered in the order listed unless the Steering Committee agrees otherwise in writing.\n");
        for (int milestone = 1; body.length() + work.length() + schedules.length() < targetBytes; milestone++) {
            milestone(work, milestone, facts);
        }
        return new Contract(facts, body.append(work).append(schedules).toString());
    }

    private void preamble(StringBuilder b, Facts f) {
        b.append(f.title()).append("\n\n");
        b.append(String.format(Locale.ROOT, "This %s (the \"Agreement\") is entered into as of %s (the \"Effective Date\")\n"
                + "by and between %s %s, with its principal place of business at %s\n(\"Provider\"), and %s %s, with its "
                + "principal place of business at %s (\"Customer\").\nProvider and Customer are each a \"Party\" and together "
                + "the \"Parties\".\n\n", titleCase(f.title()), LONG_DATE.format(f.effectiveDate()), f.provider(), pick(FORMS),
                pick(ADDRESSES), f.customer(), pick(FORMS), pick(ADDRESSES)));
        b.append("RECITALS\n\n");
        b.append("WHEREAS, Provider is in the business of providing ").append(pick(SERVICES))
                .append(" services and related software;\n");
        b.append("WHEREAS, Customer wishes to engage Provider to provide such services, and Provider wishes to provide\n"
                + "them, on the terms and subject to the conditions of this Agreement;\n");
        b.append("NOW, THEREFORE, in consideration of the mutual covenants set out below, and for other good and valuable\n"
                + "consideration, the receipt and sufficiency of which are hereby acknowledged, the Parties agree as follows:\n");
    }

    private void definitions(StringBuilder b) {
        article(b, 1, "DEFINITIONS");
        String[][] terms = {{"Affiliate", "any entity that directly or indirectly controls, is controlled by, or is under "
                + "common control with a Party, where control means ownership of more than fifty percent (50%) of the voting interests"},
            {"Business Day", "any day other than a Saturday, Sunday or public holiday in the place where the Services are performed"},
            {"Confidential Information", "all non-public information disclosed by a Party that is marked confidential or "
                + "would reasonably be understood to be confidential given its nature and the circumstances of disclosure"},
            {"Customer Data", "all data, records and materials provided by or on behalf of Customer, or generated by the "
                + "Services from such data"},
            {"Deliverables", "the items identified as deliverables in a Statement of Work"},
            {"Fees", "the amounts payable by Customer as set out in Schedule B"},
            {"Services", "the services described in this Agreement and in each Statement of Work"},
            {"Service Levels", "the availability and response commitments set out in Schedule C"}};
        for (int i = 0; i < terms.length; i++) {
            clause(b, 1, i + 1, "\"" + terms[i][0] + "\" means " + terms[i][1] + ".");
        }
    }

    private void services(StringBuilder b) {
        article(b, 2, "SERVICES");
        clause(b, 2, 1, "Provider shall perform the Services described in each Statement of Work with reasonable skill, "
                + "care and diligence, in accordance with good industry practice and the Service Levels.");
        clause(b, 2, 2, "Customer shall provide Provider with timely access to the personnel, systems and information "
                + "reasonably required for the Services. Provider is excused from any delay caused by Customer's failure to do so.");
        clause(b, 2, 3, String.format(Locale.ROOT, "Each Party shall appoint a project lead. The project leads shall meet "
                + "at least every %d weeks as a Steering Committee to review progress, risks and change requests.", 2 + random.nextInt(3)));
        clause(b, 2, 4, "Changes to the scope of the Services take effect only when set out in a change order signed by both Parties.");
    }

    private void payment(StringBuilder b, Facts f) {
        article(b, 3, Clause.PAYMENT.heading);
        int fee = 5_000 * (4 + random.nextInt(60));
        int days = new int[] {30, 45, 60}[random.nextInt(3)];
        String currency = f.governingLaw().startsWith("the State") ? "US dollars" : "euros";
        clause(b, 3, 1, String.format(Locale.ROOT, "In consideration of the Services, Customer shall pay Provider a recurring "
                + "fee of %,d %s per month, together with the time-and-materials Fees set out in Schedule B.", fee, currency));
        clause(b, 3, 2, String.format(Locale.ROOT, "Provider shall invoice monthly in arrears. Customer shall pay each "
                + "undisputed invoice within %d days of receipt, by wire transfer to the account stated on the invoice.", days));
        clause(b, 3, 3, String.format(Locale.ROOT, "Amounts not paid when due bear interest at %.1f%% per month, or the "
                + "highest rate permitted by law if lower, from the due date until paid.", 0.5 + random.nextInt(3) * 0.5));
        clause(b, 3, 4, "Customer may dispute an invoice in good faith by written notice within fifteen (15) days of receipt, "
                + "stating the reasons; the Parties shall resolve any dispute under Article 13.");
        clause(b, 3, 5, "Fees exclude taxes. Customer shall pay all sales, use and value added taxes on the Fees, other than "
                + "taxes on Provider's income.");
    }

    private void term(StringBuilder b, Facts f) {
        article(b, 4, Clause.TERM.heading);
        clause(b, 4, 1, String.format(Locale.ROOT, "This Agreement commences on the Effective Date and continues for an "
                + "initial term of %d months (the \"Initial Term\").", f.termMonths()));
        clause(b, 4, 2, String.format(Locale.ROOT, "Thereafter this Agreement renews automatically for successive periods "
                + "of twelve (12) months (each a \"Renewal Term\") unless either Party gives notice of non-renewal at least "
                + "%d days before the end of the then-current term.", 30 * (1 + random.nextInt(4))));
        clause(b, 4, 3, "Fees for a Renewal Term may be increased by Provider by no more than the change in the consumer "
                + "price index over the preceding twelve (12) months, on sixty (60) days' prior written notice.");
    }

    private void termination(StringBuilder b) {
        article(b, 5, Clause.TERMINATION.heading);
        clause(b, 5, 1, String.format(Locale.ROOT, "Either Party may terminate this Agreement for convenience on %d days' "
                + "prior written notice to the other Party.", 30 * (2 + random.nextInt(5))));
        clause(b, 5, 2, "Either Party may terminate this Agreement immediately by written notice if the other Party commits "
                + "a material breach that is incapable of remedy or, if remediable, is not remedied within thirty (30) days "
                + "of notice describing the breach.");
        clause(b, 5, 3, "Either Party may terminate this Agreement immediately if the other Party becomes insolvent, makes "
                + "an assignment for the benefit of creditors, or has a receiver or administrator appointed over its assets.");
        clause(b, 5, 4, "On termination, Customer shall pay all Fees accrued up to the date of termination, Provider shall "
                + "return or destroy Customer Data as Customer directs within thirty (30) days, and Articles 6, 7, 9 and 13 survive.");
    }

    private void boilerplate(StringBuilder b, Facts f, int law) {
        article(b, 6, "CONFIDENTIALITY");
        clause(b, 6, 1, "Each Party shall keep the other Party's Confidential Information confidential, use it only to "
                + "perform or receive the Services, and disclose it only to its employees and advisers who need to know it.");
        clause(b, 6, 2, String.format(Locale.ROOT, "These obligations last for %d years after termination of this Agreement.",
                2 + random.nextInt(4)));
        article(b, 7, "INTELLECTUAL PROPERTY");
        clause(b, 7, 1, "Customer owns all Customer Data and, on payment in full, the Deliverables created specifically for "
                + "Customer. Provider retains its pre-existing software, tools and know-how, and grants Customer a "
                + "non-exclusive licence to use them to the extent incorporated in the Deliverables.");
        article(b, 8, "WARRANTIES");
        clause(b, 8, 1, "Provider warrants that the Services will conform in all material respects to the Statement of Work "
                + "for ninety (90) days after acceptance. Customer's exclusive remedy is re-performance or a refund.");
        article(b, 9, "LIMITATION OF LIABILITY");
        clause(b, 9, 1, "Neither Party is liable for any indirect, incidental or consequential loss, or for loss of profits, "
                + "revenue or goodwill, however arising.");
        clause(b, 9, 2, String.format(Locale.ROOT, "Each Party's total liability under this Agreement in any twelve (12) "
                + "month period shall not exceed %d%% of the Fees paid in that period.", 100 + 50 * random.nextInt(3)));
        article(b, 10, "FORCE MAJEURE");
        clause(b, 10, 1, "Neither Party is liable for delay caused by events beyond its reasonable control, provided it "
                + "notifies the other Party promptly and uses reasonable efforts to mitigate the effect of the event.");
        article(b, 11, "ASSIGNMENT");
        clause(b, 11, 1, "Neither Party may assign this Agreement without the other's prior written consent, except to an "
                + "Affiliate or a successor to substantially all of its business.");
        article(b, 12, "NOTICES");
        clause(b, 12, 1, String.format(Locale.ROOT, "Notices shall be in writing and delivered by hand, courier or e-mail "
                + "to the addresses above, marked for the attention of the General Counsel of %s or of %s respectively.",
                f.provider(), f.customer()));
        article(b, 13, Clause.GOVERNING_LAW.heading);
        clause(b, 13, 1, "This Agreement and any dispute arising out of or in connection with it shall be governed by and "
                + "construed in accordance with the laws of " + f.governingLaw() + ", without regard to its conflict of laws rules.");
        clause(b, 13, 2, "The Parties shall first attempt to resolve any dispute through the Steering Committee and then "
                + "through their senior executives, each for a period of fifteen (15) Business Days.");
        clause(b, 13, 3, "Each Party irrevocably submits to the exclusive jurisdiction of " + VENUES[law] + ".");
        article(b, 14, "GENERAL");
        clause(b, 14, 1, "This Agreement, with its Schedules, is the entire agreement between the Parties and supersedes all "
                + "prior agreements on its subject matter. It may be amended only in writing signed by both Parties.");
        clause(b, 14, 2, "If any provision is held invalid, the remainder of this Agreement continues in effect. No waiver is "
                + "effective unless in writing. This Agreement may be executed in counterparts.");
    }

    private void signatures(StringBuilder b, Facts f) {
        b.append("\n\nIN WITNESS WHEREOF, the Parties have executed this Agreement as of the Effective Date.\n\n");
        for (String party : List.of(f.provider(), f.customer())) {
            b.append(party.toUpperCase(Locale.ROOT)).append("\n\nBy: ______________________________\nName: ")
                    .append(pick(new String[] {"Dana Whitfield", "Marcus Oyelaran", "Ingrid Vos", "Priya Raman", "Tomas Reyes"}))
                    .append("\nTitle: ").append(pick(new String[] {"Chief Executive Officer", "Chief Operating Officer",
                        "General Counsel", "Vice President, Procurement"}))
                    .append("\nDate: ").append(LONG_DATE.format(f.effectiveDate())).append("\n\n");
        }
    }

    private void milestone(StringBuilder b, int n, Facts f) {
        String deliverable = pick(DELIVERABLES);
        LocalDate due = f.effectiveDate().plusDays(14L * n + random.nextInt(14));
        b.append(String.format(Locale.ROOT, "\nA.%d  Milestone %d: %s\n", n, n, capitalize(deliverable)));
        b.append(String.format(Locale.ROOT, "     Description: Provider shall deliver the %s for the %s workstream, "
                + "covering %d sites and %d integrations.\n", deliverable, pick(SERVICES), 1 + random.nextInt(12), random.nextInt(9)));
        b.append(String.format(Locale.ROOT, "     Due date: %s. Acceptance: Customer shall accept or reject within %d "
                + "Business Days; silence is acceptance.\n", LONG_DATE.format(due), 5 + random.nextInt(6)));
        b.append(String.format(Locale.ROOT, "     Staffing: one %s and one %s, %d person-days in total.\n",
                pick(ROLES), pick(ROLES), 5 + random.nextInt(40)));
        if (random.nextInt(3) == 0) {
            b.append("     Dependency: Customer shall provide test data and administrator access ten (10) Business Days "
                    + "before the due date.\n");
        }
    }

    private void feeSchedule(StringBuilder b) {
        b.append("\n\nSCHEDULE B\nFEES\n\n");
        b.append(String.format(Locale.ROOT, "%-24s %14s %14s%n", "Role", "Daily rate", "Cap (days)"));
        for (String role : ROLES) {
            b.append(String.format(Locale.ROOT, "%-24s %14s %14d%n", role,
                    String.format(Locale.ROOT, "%,d.00", 600 + 100 * random.nextInt(12)), 20 + random.nextInt(200)));
        }
        b.append("\nExpenses are reimbursed at cost when pre-approved in writing. Travel time is billed at half the daily rate.\n");
    }

    private void serviceLevels(StringBuilder b) {
        b.append("\n\nSCHEDULE C\nSERVICE LEVELS\n\n");
        String[] severities = {"Severity 1 (service unavailable)", "Severity 2 (major function impaired)",
            "Severity 3 (minor function impaired)", "Severity 4 (question or cosmetic issue)"};
        int[] response = {1, 4, 24, 72};
        for (int i = 0; i < severities.length; i++) {
            b.append(String.format(Locale.ROOT, "C.%d  %s: response within %d hours, resolution target %d hours.%n", i + 1,
                    severities[i], response[i], response[i] * (4 + random.nextInt(4))));
        }
        b.append(String.format(Locale.ROOT, "C.5  Availability: %.1f%% per calendar month, excluding scheduled maintenance "
                + "announced five (5) Business Days in advance.%n", 99.5 + random.nextInt(5) / 10.0));
        b.append("C.6  Service credits: 5% of the monthly fee for each 0.1% of availability below the commitment, capped "
                + "at 30% of that month's fee. Service credits are Customer's sole remedy for missed Service Levels.\n");
    }

    private void article(StringBuilder b, int n, String heading) {
        b.append("\n\nARTICLE ").append(n).append(". ").append(heading).append("\n\n");
    }

    private void clause(StringBuilder b, int article, int n, String text) {
        b.append(article).append('.').append(n).append("  ").append(text).append('\n');
    }

    private String pick(String[] options) {
        return options[random.nextInt(options.length)];
    }

    private static String capitalize(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static String titleCase(String upper) {
        StringBuilder out = new StringBuilder();
        for (String word : upper.toLowerCase(Locale.ROOT).split(" ")) {
            out.append(out.isEmpty() ? "" : " ").append(word.equals("and") ? word : capitalize(word));
        }
        return out.toString();
    }
}
