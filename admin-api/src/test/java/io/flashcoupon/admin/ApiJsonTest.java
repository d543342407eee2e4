package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flashcoupon.core.FieldError;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.discount.CouponType;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiJsonTest {
    private final ApiJson json = new ApiJson(ApiJson.newMapper());

    private List<FieldError> errorsReading(String body, Class<?> type) {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> json.read(body, type));
        assertThat(e).as("expected %s to be refused", body).isNotNull();
        return e.errors();
    }

    private static List<String> fields(List<FieldError> errors) {
        return errors.stream().map(FieldError::field).toList();
    }

    @Test
    void snake_case_body_maps_to_the_request_record() {
        TemplateRequest r = json.read("""
                {"name":"n","type":"FULL_CUT","discount_amount_cents":500,"min_amount_cents":1000,
                 "total_count":10,"valid_start":"2030-01-01T00:00:00Z","valid_end":"2030-02-01T00:00:00Z",
                 "applicable_goods_ids":[1,2],"status":"DRAFT"}""", TemplateRequest.class);

        assertThat(r.discountAmountCents()).isEqualTo(500L);
        assertThat(r.minAmountCents()).isEqualTo(1000L);
        assertThat(r.type()).isEqualTo(CouponType.FULL_CUT);
        assertThat(r.validStart()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
        assertThat(r.applicableGoodsIds()).containsExactly(1L, 2L);
        assertThat(r.status()).isEqualTo(TemplateStatus.DRAFT);
        assertThat(r.perUserLimit()).isNull();
    }

    @Test
    void a_null_inside_an_array_is_refused_by_its_path() {
        assertThat(errorsReading("{\"name\":\"n\",\"excluded_category_ids\":[3,null]}", TemplateRequest.class))
                .containsExactly(new FieldError("excluded_category_ids[1]", "must not be null"));
        assertThat(errorsReading("{\"stacking\":{\"combines_with\":[null]}}", TemplateRequest.class))
                .containsExactly(new FieldError("stacking.combines_with[0]", "must not be null"));
        assertThat(errorsReading("{\"items\":[null]}", OrderCouponRoutes.OrderRequest.class))
                .containsExactly(new FieldError("items[0]", "must not be null"));
    }

    @Test
    void a_string_field_takes_no_boolean_or_number() {
        for (String value : List.of("false", "5", "1.5")) {
            assertThat(errorsReading("{\"name\":" + value + "}", TemplateRequest.class)).as(value)
                    .containsExactly(new FieldError("name", "must be a string"));
        }
    }

    @Test
    void a_null_member_reads_as_absent() {
        TemplateRequest r = json.read("{\"name\":\"n\",\"valid_days\":null,\"stacking\":null}", TemplateRequest.class);

        assertThat(r.validDays()).isNull();
        assertThat(r.stacking()).isNull();
    }

    @Test
    void unknown_field_is_refused_by_name() {
        assertThat(errorsReading("{\"name\":\"n\",\"discount_cents\":5}", TemplateRequest.class))
                .containsExactly(new FieldError("discount_cents", "is not a known field"));
    }

    @Test
    void camel_case_field_is_unknown() {
        assertThat(fields(errorsReading("{\"totalCount\":5}", TemplateRequest.class))).containsExactly("totalCount");
    }

    @Test
    void fractional_cents_are_refused_naming_the_field() {
        assertThat(errorsReading("{\"discount_amount_cents\":12.5}", TemplateRequest.class))
                .containsExactly(new FieldError("discount_amount_cents", "must be an integer number of cents"));
        assertThat(fields(errorsReading("{\"min_amount_cents\":12.0}", TemplateRequest.class)))
                .containsExactly("min_amount_cents");
        assertThat(fields(errorsReading("{\"max_discount_cents\":1e3}", TemplateRequest.class)))
                .containsExactly("max_discount_cents");
    }

    @Test
    void numbers_in_strings_are_refused() {
        assertThat(fields(errorsReading("{\"total_count\":\"10\"}", TemplateRequest.class)))
                .containsExactly("total_count");
    }

    @Test
    void enum_is_read_by_name_only() {
        assertThat(errorsReading("{\"type\":\"BOGUS\"}", TemplateRequest.class))
                .containsExactly(new FieldError("type", "must be one of FULL_CUT, PERCENT_OFF, FREE_SHIPPING"));
        // 1 would be PERCENT_OFF as an ordinal but FULL_CUT as a column code: neither is guessed.
        assertThat(fields(errorsReading("{\"type\":1}", TemplateRequest.class))).containsExactly("type");
        assertThat(fields(errorsReading("{\"type\":\"full_cut\"}", TemplateRequest.class))).containsExactly("type");
    }

    @Test
    void malformed_instant_is_refused_naming_the_field() {
        assertThat(fields(errorsReading("{\"valid_start\":\"tomorrow\"}", TemplateRequest.class)))
                .containsExactly("valid_start");
    }

    @Test
    void instants_are_read_from_iso_strings_only() {
        assertThat(json.read("{\"valid_start\":\"2030-02-01T08:00:00+08:00\"}", TemplateRequest.class).validStart())
                .isEqualTo(Instant.parse("2030-02-01T00:00:00Z"));
        assertThat(errorsReading("{\"start_time\":1767225600}", ActivityRequest.class))
                .containsExactly(new FieldError("start_time", "must be an ISO-8601 instant such as 2030-01-31T16:00:00Z"));
        assertThat(fields(errorsReading("{\"end_time\":\"2030-02-01\"}", ActivityRequest.class)))
                .containsExactly("end_time");
    }

    @Test
    void instants_outside_the_stated_shape_are_refused_before_they_reach_mysql() {
        assertThat(json.read("{\"start_time\":\"9998-12-31T23:59:59.123456789-18:00\"}", ActivityRequest.class)
                .startTime()).isEqualTo(Instant.parse("9999-01-01T17:59:59.123456789Z"));
        for (String bad : List.of("0002-11-28T07:33:56Z", "1969-12-31T23:59:59Z", "9999-01-01T00:00:00Z",
                "2030-01-01T00:00:00+20:53", "2030-01-01t00:00:00z", "2030-06-30T23:59:60Z", " 2030-01-01T00:00:00Z",
                "2030-01-01T00:00:00.1234567890Z", "2030-02-30T00:00:00Z")) {
            assertThat(fields(errorsReading("{\"start_time\":\"" + bad + "\"}", ActivityRequest.class)))
                    .as(bad).containsExactly("start_time");
        }
    }

    @Test
    void bad_list_element_is_named_with_its_index() {
        assertThat(fields(errorsReading("{\"applicable_goods_ids\":[1,2.5]}", TemplateRequest.class)))
                .containsExactly("applicable_goods_ids[1]");
        assertThat(fields(errorsReading("{\"excluded_goods_ids\":5}", TemplateRequest.class)))
                .containsExactly("excluded_goods_ids");
    }

    @Test
    void out_of_range_integer_is_refused_naming_the_field() {
        assertThat(fields(errorsReading("{\"total_count\":3000000000}", TemplateRequest.class)))
                .containsExactly("total_count");
    }

    @Test
    void duplicate_field_is_refused() {
        assertThat(errorsReading("{\"name\":\"a\",\"name\":\"b\"}", TemplateRequest.class))
                .containsExactly(new FieldError("name", "must appear only once"));
    }

    @Test
    void text_that_is_not_a_json_object_is_refused_as_body() {
        for (String body : List.of("", "  ", "null", "[]", "42", "{\"name\":", "{} {}", "not json")) {
            assertThat(fields(errorsReading(body, TemplateRequest.class))).as(body).hasSize(1);
        }
        assertThat(fields(errorsReading("[]", TemplateRequest.class))).containsExactly("body");
        assertThat(fields(errorsReading("", TemplateRequest.class))).containsExactly("body");
    }

    @Test
    void broken_json_inside_a_field_names_that_field() {
        assertThat(fields(errorsReading("{\"name\": tru}", TemplateRequest.class))).containsExactly("name");
    }

    @Test
    void activity_body_refuses_float_template_id() {
        assertThat(fields(errorsReading("{\"template_id\":1.5}", ActivityRequest.class))).containsExactly("template_id");
    }

    @Test
    void output_is_snake_case_with_iso_instants_and_enum_names() throws Exception {
        Instant t0 = Instant.parse("2030-01-01T00:00:00Z");
        Template t = new Template(7, "n", CouponType.PERCENT_OFF, 0, 1500, 100, null, 10, 1, null, null, 30,
                List.of(3L), null, null, null, TemplateStatus.PUBLISHED, t0, t0);

        String out = json.mapper().writeValueAsString(t);

        assertThat(out).contains("\"discount_bps\":1500", "\"max_discount_cents\":null", "\"type\":\"PERCENT_OFF\"",
                "\"applicable_goods_ids\":[3]", "\"created_at\":\"2030-01-01T00:00:00Z\"", "\"valid_days\":30");
        assertThat(out).doesNotContain("validity", "discountBps");
    }

    @Test
    void error_body_omits_fields_unless_there_are_some() throws Exception {
        assertThat(json.mapper().writeValueAsString(ErrorBody.of(ApiError.NOT_FOUND, "gone")))
                .isEqualTo("{\"error\":\"not_found\",\"message\":\"gone\"}");
        assertThat(json.mapper().writeValueAsString(new ErrorBody("invalid_argument", "m",
                List.of(new FieldError("name", "must not be empty")))))
                .isEqualTo("{\"error\":\"invalid_argument\",\"message\":\"m\","
                        + "\"fields\":[{\"field\":\"name\",\"message\":\"must not be empty\"}]}");
    }
}
