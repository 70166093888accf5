/* DlabCodeWindow: see dlab-code-window.h. Built in code: a header bar with
 * a Copy button, a note, and the text. */
#include "dlab-code-window.h"

#include <glib/gi18n.h>

struct _DlabCodeWindow {
  AdwWindow parent_instance;

  char *code;
  AdwToastOverlay *toasts;
};

G_DEFINE_FINAL_TYPE (DlabCodeWindow, dlab_code_window, ADW_TYPE_WINDOW)

static void
copy_code (DlabCodeWindow *self)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->code);
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (_("Copied")));
}

static GtkWidget *
code_view (const char *code)
{
  GtkWidget *view = gtk_text_view_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), code, -1);
  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 12);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Code"), -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  gtk_widget_set_vexpand (scroller, TRUE);
  return scroller;
}

DlabCodeWindow *
dlab_code_window_new (GtkWindow *parent, const char *title, const char *note, const char *code)
{
  DlabCodeWindow *self = g_object_new (DLAB_TYPE_CODE_WINDOW, "title", title, "transient-for", parent,
                                       "modal", TRUE, "default-width", 640, "default-height", 560, NULL);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *copy = gtk_button_new_with_mnemonic (_("_Copy"));

  self->code = g_strdup (code);
  gtk_widget_add_css_class (copy, "suggested-action");
  g_signal_connect_swapped (copy, "clicked", G_CALLBACK (copy_code), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), copy);
  gtk_box_append (GTK_BOX (box), header);
  if (note)
    {
      GtkWidget *label = gtk_label_new (note);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_margin_start (label, 12);
      gtk_widget_set_margin_end (label, 12);
      gtk_widget_set_margin_top (label, 12);
      gtk_box_append (GTK_BOX (box), label);
    }
  gtk_box_append (GTK_BOX (box), code_view (code));
  self->toasts = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (self->toasts, box);
  adw_window_set_content (ADW_WINDOW (self), GTK_WIDGET (self->toasts));
  return self;
}

const char *
dlab_code_window_get_code (DlabCodeWindow *self)
{
  g_return_val_if_fail (DLAB_IS_CODE_WINDOW (self), NULL);
  return self->code;
}

static void
dlab_code_window_finalize (GObject *object)
{
  g_free (DLAB_CODE_WINDOW (object)->code);
  G_OBJECT_CLASS (dlab_code_window_parent_class)->finalize (object);
}

static void
dlab_code_window_class_init (DlabCodeWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dlab_code_window_finalize;
  gtk_widget_class_add_binding_action (GTK_WIDGET_CLASS (klass), GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (GTK_WIDGET_CLASS (klass), GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
dlab_code_window_init (DlabCodeWindow *self)
{
  (void) self;
}
