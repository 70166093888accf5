/* The grid labels' bitmap font (not public API). */
#ifndef DLAB_FONT5X7_H
#define DLAB_FONT5X7_H

#include <stdint.h>

#define DLAB_FONT_W 5
#define DLAB_FONT_H 7
#define DLAB_FONT_ADVANCE 6 /* glyph plus one column of space */

/* Rows of ASCII 32 ('  ') to 126 ('~'). */
extern const uint8_t dlab_font5x7[95][7];

#endif
