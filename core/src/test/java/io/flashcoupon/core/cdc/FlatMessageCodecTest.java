package io.flashcoupon.core.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlatMessageCodecTest {
    final FlatMessageCodec codec = new FlatMessageCodec();

    @Test
    void reads_a_message_in_canal_exact_flat_message_json() throws IOException {
        byte[] canal;
        try (InputStream in = getClass().getResourceAsStream("/canal/update-template.json")) {
            canal = in.readAllBytes();
        }
        FlatMessage m = codec.decode(canal);
        assertThat(m.database()).isEqualTo("coupon");
        assertThat(m.table()).isEqualTo("coupon_templates");
        assertThat(m.type()).isEqualTo("UPDATE");
        assertThat(m.isDdl()).isFalse();
        assertThat(m.pkNames()).containsExactly("id");
        assertThat(m.data()).hasSize(2);
        assertThat(m.data().get(0)).containsEntry("id", "7").containsEntry("name", "5 off 50, now 6");
        assertThat(m.data().get(0).get("valid_start")).isNull();
        assertThat(m.old().get(0)).containsOnlyKeys("name", "updated_at");
        assertThat(m.sqlType()).containsEntry("id", -5);
        assertThat(m.mysqlType()).containsEntry("id", "bigint(20)");
        assertThat(m.es()).isEqualTo(1764150000000L);
    }

    @Test
    void writes_the_field_names_canal_writes_and_reads_them_back() {
        FlatMessage m = new FlatMessage(List.of(Map.of("id", "1")), "coupon", 1L, 2L, false, Map.of("id", "bigint(20)"),
                null, List.of("id"), "", Map.of("id", -5), "flash_sale_activities", 3L, "DELETE");
        String json = new String(codec.encode(m), StandardCharsets.UTF_8);
        assertThat(json).contains("\"isDdl\":false", "\"pkNames\":[\"id\"]", "\"old\":null", "\"sqlType\":{\"id\":-5}");
        assertThat(codec.decode(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(m);
    }

    @Test
    void a_body_that_is_not_a_flat_message_is_refused_with_the_reason() {
        assertThatThrownBy(() -> codec.decode("{\"hello\":1}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no table or type");
        assertThatThrownBy(() -> codec.decode("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a Canal flat message");
    }
}
