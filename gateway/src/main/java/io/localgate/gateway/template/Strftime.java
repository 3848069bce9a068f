package io.localgate.gateway.template;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/** Python's {@code strftime} codes (C locale), for the {@code strftime_now} global. */
final class Strftime {

    private Strftime() {}

    static String format(ZonedDateTime time, String pattern) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 >= pattern.length()) {
                out.append(c);
                continue;
            }
            char code = pattern.charAt(++i);
            switch (code) {
                case 'Y' -> out.append(time.getYear());
                case 'y' -> out.append(twoDigits(time.getYear() % 100));
                case 'm' -> out.append(twoDigits(time.getMonthValue()));
                case 'd' -> out.append(twoDigits(time.getDayOfMonth()));
                case 'e' -> out.append(String.format("%2d", time.getDayOfMonth()));
                case 'j' -> out.append(String.format("%03d", time.getDayOfYear()));
                case 'H' -> out.append(twoDigits(time.getHour()));
                case 'I' -> out.append(twoDigits(time.getHour() % 12 == 0 ? 12 : time.getHour() % 12));
                case 'M' -> out.append(twoDigits(time.getMinute()));
                case 'S' -> out.append(twoDigits(time.getSecond()));
                case 'p' -> out.append(time.getHour() < 12 ? "AM" : "PM");
                case 'b', 'h' -> out.append(time.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> out.append(time.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> out.append(time.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> out.append(time.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'w' -> out.append(time.getDayOfWeek().getValue() % 7);
                case 'u' -> out.append(time.getDayOfWeek().getValue());
                case 'Z' -> out.append(time.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case '%' -> out.append('%');
                default -> out.append('%').append(code);
            }
        }
        return out.toString();
    }

    private static String twoDigits(int value) {
        return value < 10 ? "0" + value : Integer.toString(value);
    }
}
