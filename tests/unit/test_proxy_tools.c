/* The helpers of the proxy sets' tools (tools/ink): the expected
 * calibration error on readings whose every bin is known, the file names'
 * convention, and the turtle path language's refusals. */
#include <math.h>
#include <string.h>

#include "../../tools/ink/calibration.h"
#include "../../tools/ink/proxy-names.h"
#include "../../tools/ink/turtle.h"
#include "test_util.h"

static void test_calibration(void) {
  Calibration c;
  memset(&c, 0, sizeof c);
  tap_ok(calibration_error(&c) == 0, "no readings: no calibration error");
  /* Two at 95% (one right), two at 55% (both right), one at 5% (wrong):
   * bins 14, 8 and 0 with gaps 0.45, 0.45 and 0.05, weighted 2/5, 2/5 and
   * 1/5. One bin for all would give |0.6 - 0.61| = 0.01. */
  calibration_add(&c, 0.95, 1);
  calibration_add(&c, 0.95, 0);
  calibration_add(&c, 0.55, 1);
  calibration_add(&c, 0.55, 1);
  calibration_add(&c, 0.05, 0);
  double ece = calibration_error(&c);
  tap_ok(fabs(ece - 0.37) < 1e-12, "each bin's gap weighted by its share: %.6f (0.37)", ece);
  tap_ok(c.n[14] == 2 && c.n[8] == 2 && c.n[0] == 1, "0.95 in bin 14, 0.55 in bin 8, 0.05 in bin 0");

  memset(&c, 0, sizeof c);
  calibration_add(&c, 1.0, 1);
  calibration_add(&c, 1.0 / 15, 1);
  calibration_add(&c, 0.0, 0);
  tap_ok(c.n[14] == 1 && c.n[1] == 1 && c.n[0] == 1, "1 in the last bin, 1/15 starts the second, 0 in the first");
  tap_ok(fabs(calibration_error(&c) - (1.0 - 1.0 / 15) / 3) < 1e-12,
         "right at 1 and wrong at 0: no gap; right at 1/15: a gap of 14/15");
}

static int parses(const char *name, int label, const char *group) {
  int got_label = -9;
  char got[PROXY_NAME_MAX] = "";
  return proxy_name_parse(name, &got_label, got, sizeof got) == 0 && got_label == label && !strcmp(got, group);
}

static int refused(const char *name) {
  int label;
  char group[PROXY_NAME_MAX];
  return proxy_name_parse(name, &label, group, sizeof group) == -1;
}

static void test_names(void) {
  tap_ok(parses("9-gtail-curl-07.strokes", 9, "9-gtail"), "9-gtail-curl-07: the digit 9, family 9-gtail");
  tap_ok(parses("4-opentop-01.strokes", 4, "4-opentop"), "4-opentop-01: family 4-opentop");
  tap_ok(parses("x-letter-small-a-03.strokes", -1, "letter"), "x-letter-small-a-03: a non-digit, kind letter");
  tap_ok(parses("x-scribble-12.strokes", -1, "scribble"), "x-scribble-12: kind scribble");
  tap_ok(refused("seven.strokes") && refused("7-plain.strokes") && refused("7-01.strokes") &&
             refused("7-plain-01.txt") && refused("7-plain-x1.strokes") && refused("y-shape-01.strokes") &&
             refused("7--01.strokes") && refused("7-pl ain-01.strokes") && refused("../7-plain-01.strokes") &&
             refused(".strokes") && refused("7-plain-.strokes"),
         "names off the convention are refused");
  char small[4];
  int label;
  tap_ok(proxy_name_parse("9-gtail-01.strokes", &label, small, sizeof small) == -1, "a family longer than the buffer");
  tap_ok(proxy_is_reported("7-hook") && !proxy_is_reported("7-plain") && !proxy_is_reported("7"),
         "the reported styles");
}

static void test_turtle(void) {
  static TurtlePath path;
  static TurtleShape shape;
  tap_ok(turtle_parse("M 0 0 L 1 0 M 0 1 C 0 0 1 1 1 0 A .5 .5 .5 .5 0 -360", &path) == 0 && path.n == 5,
         "a path of every command parses");
  tap_ok(turtle_trace(&path, &shape) == 0 && shape.n_strokes == 2 && shape.n > 400, "and traces into 2 strokes");
  tap_ok(turtle_parse("L 1 1", &path) == -1, "a path must start with M");
  tap_ok(turtle_parse("M 0", &path) == -1 && turtle_parse("M 0 0 Q 1 1", &path) == -1 &&
             turtle_parse("M nan 0", &path) == -1 && turtle_parse("", &path) == -1,
         "missing numbers, unknown letters, NaN and empty paths are refused");
  tap_ok(turtle_parse("M 0 0 A 0 0 1 1 0 100000", &path) == 0 && turtle_trace(&path, &shape) == -1,
         "an arc of many turns is refused, not traced without end");
  char text[TURTLE_MAX_STROKES * 8 + 16] = "";
  for (int i = 0; i <= TURTLE_MAX_STROKES; i++) strcat(text, "M 0 0 ");
  tap_ok(turtle_parse(text, &path) == 0 && turtle_trace(&path, &shape) == -1, "more than %d strokes are refused",
         TURTLE_MAX_STROKES);
}

int main(void) {
  test_calibration();
  test_names();
  test_turtle();
  return tap_done();
}
