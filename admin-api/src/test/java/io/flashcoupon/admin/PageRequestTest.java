package io.flashcoupon.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flashcoupon.core.FieldError;
import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.wallet.UserCouponStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class PageRequestTest {

    private static String refusedField(Runnable r) {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, r::run);
        assertThat(e).isNotNull();
        return e.errors().get(0).field();
    }

    @Test
    void absent_parameters_mean_the_first_default_sized_page() {
        assertThat(PageRequest.parse(null, null)).isEqualTo(new PageRequest(PageRequest.DEFAULT_SIZE, 0));
        assertThat(PageRequest.parse(null, "")).isEqualTo(new PageRequest(PageRequest.DEFAULT_SIZE, 0));
        assertThat(PageRequest.parse("10", "42")).isEqualTo(new PageRequest(10, 42));
    }

    @Test
    void bad_page_size_is_refused_by_name() {
        for (String size : List.of("0", "-1", "201", "ten", "1.5", "")) {
            assertThat(refusedField(() -> PageRequest.parse(size, null))).as(size).isEqualTo("page_size");
        }
    }

    @Test
    void bad_page_token_is_refused_by_name() {
        for (String token : List.of("0", "-3", "abc", "99999999999999999999", "9223372036854775807", "042", "+4", " 4")) {
            assertThat(refusedField(() -> PageRequest.parse(null, token))).as(token).isEqualTo("page_token");
        }
    }

    @Test
    void the_longest_token_is_18_digits_as_openapi_json_states() {
        assertThat(PageRequest.parse(null, "999999999999999999").beforeId()).isEqualTo(999_999_999_999_999_999L);
    }

    @Test
    void a_full_page_with_more_rows_behind_it_carries_the_last_id_as_token() {
        PageRequest page = new PageRequest(2, 0);

        PageRequest.Page<Long> p = page.page(List.of(9L, 8L, 7L), Long::longValue);

        assertThat(p.items()).containsExactly(9L, 8L);
        assertThat(p.nextPageToken()).isEqualTo("8");
        assertThat(page.fetchLimit()).isEqualTo(3);
    }

    @Test
    void the_last_page_has_an_empty_token() {
        assertThat(new PageRequest(2, 0).page(List.of(9L, 8L), Long::longValue).nextPageToken()).isEmpty();
        assertThat(new PageRequest(2, 0).page(List.<Long>of(), Long::longValue).nextPageToken()).isEmpty();
    }

    @Test
    void path_ids_must_be_positive_integers() {
        assertThat(Params.positiveId("id", "17")).isEqualTo(17L);
        for (String raw : List.of("0", "-1", "+1", "1e3", "abc", " 1", "")) {
            InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                    () -> Params.positiveId("user_id", raw));
            assertThat(e.errors()).as(raw).containsExactly(new FieldError("user_id", "must be a positive integer"));
        }
    }

    @Test
    void status_filter_is_an_exact_enum_name() {
        assertThat(Params.optionalEnum("status", "UNUSED", UserCouponStatus.class)).isEqualTo(UserCouponStatus.UNUSED);
        assertThat(Params.optionalEnum("status", null, UserCouponStatus.class)).isNull();
        assertThat(refusedField(() -> Params.optionalEnum("status", "unused", UserCouponStatus.class)))
                .isEqualTo("status");
        assertThat(refusedField(() -> Params.optionalEnum("status", "", UserCouponStatus.class)))
                .as("an empty status= is no name of the enum").isEqualTo("status");
    }
}
