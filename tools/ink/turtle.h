/* The turtle path language of the hand-made drawings (draw-digits,
 * proxy-sets): a drawing is a short text in a box 0.7 wide and 1 tall,
 * y down.
 *
 *   M x y                    starts a stroke at (x, y)
 *   L x y                    a straight line to (x, y)
 *   C x1 y1 x2 y2 x y        a cubic Bezier curve to (x, y)
 *   A cx cy rx ry from to    an elliptical arc around (cx, cy), from the
 *                            angle `from` to `to` (degrees, 0 = right,
 *                            90 = down; decreasing angles turn
 *                            counter-clockwise on the screen)
 *
 * A path is first parsed into commands (so that a caller can move their
 * points: proxy-sets' variation), then traced into dense polylines, one per
 * stroke (a point every 0.005 units on lines, 200 per curve, one per degree
 * of arc). */
#ifndef DLAB_TOOLS_TURTLE_H
#define DLAB_TOOLS_TURTLE_H

#define TURTLE_MAX_COMMANDS 400
#define TURTLE_MAX_STROKES 32
#define TURTLE_MAX_POINTS 16384

typedef struct {
  double x, y;
} TurtlePt;

typedef struct {
  char op; /* 'M', 'L', 'C' or 'A' */
  double v[6];
} TurtleCommand;

typedef struct {
  TurtleCommand cmd[TURTLE_MAX_COMMANDS];
  int n;
} TurtlePath;

typedef struct {
  TurtlePt p[TURTLE_MAX_POINTS];
  /* Stroke k holds p[start[k] .. start[k+1]) (the last: .. n). */
  int start[TURTLE_MAX_STROKES];
  int n_strokes, n;
} TurtleShape;

/* How many numbers the command `op` takes; 0 for an unknown letter. */
int turtle_arity(char op);

/* Parses `text` into path. -1 on an unknown letter, a missing number, a
 * path that does not start with M, or more than TURTLE_MAX_COMMANDS. */
int turtle_parse(const char *text, TurtlePath *path);

/* Traces the commands into s. -1 when they need more than
 * TURTLE_MAX_STROKES strokes or TURTLE_MAX_POINTS points. */
int turtle_trace(const TurtlePath *path, TurtleShape *s);

/* Both at once. */
int turtle_trace_text(const char *text, TurtleShape *s);

#endif
