package io.shardflow.api.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FieldNamesTest {
    private static final List<String> PARALLELISM =
            List.of("strategy", "dataShards", "modelShards", "modelStrategy", "microBatches");

    @Test
    void editDistanceCountsInsertionsDeletionsAndSubstitutions() {
        assertThat(FieldNames.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(FieldNames.distance("", "abc")).isEqualTo(3);
        assertThat(FieldNames.distance("abc", "abc")).isZero();
        assertThat(FieldNames.distance("priority", "prority")).isEqualTo(1);
    }

    @Test
    void theClosestNameIgnoresCaseAndOnlyCountsWhenNear() {
        assertThat(FieldNames.closest("datashards", PARALLELISM)).isEqualTo("dataShards");
        assertThat(FieldNames.closest("modelshard", PARALLELISM)).isEqualTo("modelShards");
        assertThat(FieldNames.closest("stratgey", PARALLELISM)).isEqualTo("strategy");
        assertThat(FieldNames.closest("shards", PARALLELISM)).isNull();
        assertThat(FieldNames.closest("zzzzqq", PARALLELISM)).isNull();
        assertThat(FieldNames.closest("x", List.of("id"))).isNull();
        assertThat(FieldNames.closest("ix", List.of("id"))).isEqualTo("id");
    }
}
