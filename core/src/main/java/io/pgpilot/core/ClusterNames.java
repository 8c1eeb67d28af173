package io.pgpilot.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The names of a cluster's account-wide resources, derived from the cluster's name so that many
 * clusters share an account and region: its SSM documents and its secrets. What deploys them (CDK,
 * the lab) and what uses them (the functions, ctl, a host's bootstrap) apply this one rule.
 *
 * <p>Code and files name a document by its file, {@code pgpilot-PromoteStandby}; cluster
 * {@code a} deploys it as {@code pgpilot-a-PromoteStandby}. The document names cannot collide
 * across clusters: the part after the cluster is one of a fixed set of names without a hyphen.
 */
public record ClusterNames(String cluster) {

    /** The file names of ssm-documents/, and the start of every deployed document's name. */
    public static final String DOCUMENT_PREFIX = "pgpilot-";
    /** The pgpilot:cluster tag's form (ClusterConfig's PGPILOT_CLUSTER, the CDK's clusterName). */
    private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern FILE_NAME = Pattern.compile("pgpilot-[A-Z][A-Za-z0-9]{0,63}");
    private static final String RUN_DOCUMENT = "aws:runDocument";

    public ClusterNames {
        if (cluster == null || !CLUSTER.matcher(cluster).matches()) {
            throw new IllegalArgumentException("cluster name " + Checks.quote(cluster) + " must be 1 to 63 letters,"
                    + " digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    /** pgpilot-CLUSTER-: every document of this cluster starts so (IAM grants are scoped to it). */
    public String documentPrefix() {
        return DOCUMENT_PREFIX + cluster + "-";
    }

    /** The deployed name of the document {@code file} (pgpilot-PromoteStandby → pgpilot-CLUSTER-PromoteStandby). */
    public String document(String file) {
        if (file == null || !FILE_NAME.matcher(file).matches()) {
            throw new IllegalArgumentException("SSM document " + Checks.quote(file) + " is not named pgpilot-Name"
                    + " (a capital letter, then letters and digits)");
        }
        return documentPrefix() + file.substring(DOCUMENT_PREFIX.length());
    }

    /** The file name of one of this cluster's deployed documents; null when {@code deployed} is not one. */
    public String file(String deployed) {
        if (deployed == null || !deployed.startsWith(documentPrefix())) {
            return null;
        }
        String file = DOCUMENT_PREFIX + deployed.substring(documentPrefix().length());
        return FILE_NAME.matcher(file).matches() ? file : null;
    }

    /** The replication password's secret (ConfigurePrimary's, ConfigureStandby's replicationSecret). */
    public String replicationSecret() {
        return "pgpilot/" + cluster + "/replication";
    }

    /** pgpool's PCP password's secret (PgpoolBackends' pcpSecret). */
    public String pcpSecret() {
        return "pgpilot/" + cluster + "/pcp";
    }

    /** The document parameters whose default is this cluster's: a document declares them without one. */
    public Map<String, String> parameterDefaults() {
        return Map.of("replicationSecret", replicationSecret(), "pcpSecret", pcpSecret());
    }

    /**
     * A parsed document as this cluster deploys it: its cluster parameters default to this
     * cluster's secrets, and a step that runs another document of {@code files} runs this
     * cluster's copy of it. The argument is left as it was.
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> deployed(Map<String, Object> document, Set<String> files) {
        Map<String, Object> copy = new LinkedHashMap<>(document);
        if (document.get("parameters") instanceof Map<?, ?> parameters) {
            Map<String, Object> adapted = new LinkedHashMap<>();
            parameters.forEach((name, spec) -> {
                String value = parameterDefaults().get(String.valueOf(name));
                if (value != null && spec instanceof Map<?, ?> map) {
                    Map<String, Object> withDefault = new LinkedHashMap<>((Map<String, Object>) map);
                    withDefault.put("default", value);
                    adapted.put(String.valueOf(name), withDefault);
                } else {
                    adapted.put(String.valueOf(name), spec);
                }
            });
            copy.put("parameters", adapted);
        }
        if (document.get("mainSteps") instanceof List<?> steps) {
            List<Object> adapted = new ArrayList<>();
            for (Object step : steps) {
                adapted.add(step instanceof Map<?, ?> map ? runsSibling((Map<String, Object>) map, files) : step);
            }
            copy.put("mainSteps", adapted);
        }
        return copy;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> runsSibling(Map<String, Object> step, Set<String> files) {
        if (!RUN_DOCUMENT.equals(step.get("action")) || !(step.get("inputs") instanceof Map<?, ?> inputs)
                || !(inputs.get("documentPath") instanceof String path) || !files.contains(path)) {
            return step;
        }
        Map<String, Object> renamed = new LinkedHashMap<>((Map<String, Object>) inputs);
        renamed.put("documentPath", document(path));
        Map<String, Object> copy = new LinkedHashMap<>(step);
        copy.put("inputs", renamed);
        return copy;
    }
}
