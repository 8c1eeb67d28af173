package io.pgpilot.lab.drill;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import javax.imageio.ImageIO;

/**
 * The failover drill's chart: for each run a panel of commits per second (and reads per second) over
 * time, with the fault and each phase of the automation marked, so an outage and what it was spent
 * on read at a glance. Plain Java2D, headless, written as PNG; the same input gives the same bytes.
 * <p>
 * Every panel shares one time axis, seconds relative to the run's fault (a bold red line at 0), and
 * one bin width (100 ms unless the runs are too long for it to be readable). Rates are counted per
 * bin, bins aligned on the fault, and scaled to per second; a run's bins less than half inside the
 * run are left out rather than drawn as a false dip. Times outside a run's [0, durationMs] are
 * ignored. Marks are shaded bands (a line when they are a point in time) with their name and length;
 * their labels are stacked above the rates so that short phases close together stay legible.
 * <p>
 * Text needs fonts: headless Java loads fontconfig (Debian: libfontconfig1) and needs at least one
 * font (fonts-dejavu-core); lab/prerequisites.sh installs both. Without them the chart is drawn
 * without text (said once per chart on stderr) rather than failing the drill.
 */
public final class Chart {

  static {
    // Before anything touches AWT: lab hosts and CI have no display.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** One run's series: times in ms since the run's start. */
  public record Series(String label, long durationMs, long faultAtMs, List<Long> commitsAtMs,
      List<Long> readsAtMs, List<Mark> marks) {

    public Series {
      require(label != null, "a series' label is null");
      require(durationMs >= 0, "series '" + label + "': durationMs is negative (" + durationMs + ")");
      require(faultAtMs >= 0 && faultAtMs <= durationMs, "series '" + label + "': faultAtMs (" + faultAtMs
          + ") is not within the run [0, " + durationMs + "]");
      commitsAtMs = times(label, "commitsAtMs", commitsAtMs);
      readsAtMs = times(label, "readsAtMs", readsAtMs);
      require(marks != null, "series '" + label + "': marks is null (no marks: List.of())");
      for (int i = 0; i < marks.size(); i++) {
        require(marks.get(i) != null, "series '" + label + "': marks[" + i + "] is null");
      }
      marks = List.copyOf(marks);
    }

    private static List<Long> times(String label, String what, List<Long> times) {
      require(times != null, "series '" + label + "': " + what + " is null (none: List.of())");
      for (int i = 0; i < times.size(); i++) {
        require(times.get(i) != null, "series '" + label + "': " + what + "[" + i + "] is null");
      }
      return List.copyOf(times);
    }
  }

  /** A phase of the automation: [startMs, endMs]; a point event when start == end. */
  public record Mark(String name, long startMs, long endMs) {

    public Mark {
      require(name != null && !name.isBlank(), "a mark's name is null or blank");
      require(endMs >= startMs, "mark '" + name + "' ends (" + endMs + " ms) before it starts (" + startMs + " ms)");
    }
  }

  /** Panels beyond this many are dropped, and the title says so. */
  static final int MAX_PANELS = 12;
  static final int WIDTH = 1200;
  static final int TITLE_HEIGHT = 62;
  static final int PANEL_HEIGHT = 260;
  static final int FOOTER_HEIGHT = 34;
  /** The height of the note that stands for the panels when there are no runs. */
  static final int NO_RUNS_HEIGHT = 60;
  /** The plots' left and right edges. */
  static final int LEFT = 84;
  static final int RIGHT = WIDTH - 24;
  /** Within a panel, from its top: the plot's top and its zero line. */
  private static final int PLOT_TOP = 28;
  private static final int PLOT_BOTTOM = 228;
  private static final int LABEL_ROW = 15;
  private static final int MAX_LABEL_ROWS = 8;

  static final Color COMMITS = new Color(31, 84, 180);
  static final Color READS = new Color(96, 178, 118);
  static final Color FAULT = new Color(214, 0, 0);
  private static final Color COMMITS_FILL = new Color(31, 84, 180, 40);
  private static final Color NO_DATA = new Color(244, 244, 244);
  private static final Color GRID = new Color(228, 228, 228);
  private static final Color AXIS = new Color(120, 120, 120);
  private static final Color TICK_TEXT = new Color(70, 70, 70);
  private static final Color NOTE_TEXT = new Color(110, 110, 110);

  /** Phase colours, in the order names first appear; the usual phases have their own. */
  private static final List<Color> PALETTE = List.of(
      new Color(235, 130, 0), new Color(135, 75, 200), new Color(215, 50, 140), new Color(120, 160, 0),
      new Color(0, 145, 150), new Color(150, 90, 40), new Color(60, 60, 60), new Color(200, 160, 0),
      new Color(100, 110, 150), new Color(0, 110, 70));
  private static final Map<String, Integer> USUAL = Map.of(
      "detection", 0, "decision", 1, "fence", 2, "promote", 3, "re-point", 4, "repoint", 4,
      "routing", 5, "reroute", 5, "writes again", 6);

  private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 17);
  private static final Font PANEL_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 13);
  private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
  private static final Font FAULT_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 11);
  private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
  private static final Font NOTE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  private Chart() {
  }

  /**
   * Renders one panel per series (stacked vertically, sharing the time axis scale: seconds relative to the
   * fault), title on top; writes PNG (creating its folder).
   */
  public static void write(String title, List<Series> runs, Path png) throws IOException {
    require(png != null, "the PNG's path is null");
    byte[] bytes = render(title, runs);
    Path parent = png.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.write(png, bytes);
  }

  /** The same as bytes (for tests). */
  public static byte[] render(String title, List<Series> runs) {
    return render(title, runs, null);
  }

  /** As {@link #render(String, List)}; fontFailure, when given, is thrown by the first text drawn (tests). */
  static byte[] render(String title, List<Series> runs, Error fontFailure) {
    require(title != null, "the chart's title is null");
    require(runs != null, "the chart's runs are null (none: List.of())");
    for (int i = 0; i < runs.size(); i++) {
      require(runs.get(i) != null, "runs[" + i + "] is null");
    }
    Layout layout = layout(runs);
    BufferedImage image = new BufferedImage(WIDTH, layout.height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      new Painter(g, layout, fontFailure).paint(title, runs.size());
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "png", out)) {
        throw new IllegalStateException("this JDK has no PNG writer");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Where everything goes: the panels shown, the shared time axis (seconds from the fault), the bin width. */
  static final class Layout {
    final List<Series> shown;
    final double fromS;
    final double toS;
    final long binMs;
    final int height;

    private Layout(List<Series> shown, double fromS, double toS, long binMs) {
      this.shown = shown;
      this.fromS = fromS;
      this.toS = toS;
      this.binMs = binMs;
      this.height = TITLE_HEIGHT + (shown.isEmpty() ? NO_RUNS_HEIGHT : shown.size() * PANEL_HEIGHT) + FOOTER_HEIGHT;
    }

    /** The x of a time, in seconds relative to the fault. */
    double x(double seconds) {
      return LEFT + (seconds - fromS) / (toS - fromS) * (RIGHT - LEFT);
    }

    int panelTop(int panel) {
      return TITLE_HEIGHT + panel * PANEL_HEIGHT;
    }

    int plotTop(int panel) {
      return panelTop(panel) + PLOT_TOP;
    }

    /** The y of zero. */
    int plotBottom(int panel) {
      return panelTop(panel) + PLOT_BOTTOM;
    }
  }

  static Layout layout(List<Series> runs) {
    List<Series> shown = List.copyOf(runs.subList(0, Math.min(runs.size(), MAX_PANELS)));
    double from = 0;
    double to = 0;
    for (Series run : shown) {
      from = Math.min(from, -run.faultAtMs() / 1000.0);
      to = Math.max(to, (run.durationMs() - run.faultAtMs()) / 1000.0);
    }
    if (to - from < 1) {
      to = from + 1;
    }
    // Bins at least 3 px wide, so the line reads as steps rather than noise.
    double minBinMs = (to - from) * 1000 * 3 / (RIGHT - LEFT);
    long bin = 100;
    for (long candidate : new long[] {100, 200, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000}) {
      bin = candidate;
      if (candidate >= minBinMs) {
        break;
      }
    }
    return new Layout(shown, from, to, bin);
  }

  /** A bin's rate per second over [fromMs, toMs] (times since the run's start). */
  record Bin(long fromMs, long toMs, double perSecond) {
  }

  /** Rates over bins aligned on the fault; bins less than half inside the run are left out. */
  static List<Bin> bins(List<Long> timesMs, long durationMs, long faultAtMs, long binMs) {
    long first = Math.floorDiv(-faultAtMs, binMs);
    long last = Math.floorDiv(durationMs - faultAtMs, binMs);
    int[] counts = new int[(int) (last - first + 1)];
    for (long t : timesMs) {
      if (t >= 0 && t <= durationMs) {
        counts[(int) (Math.floorDiv(t - faultAtMs, binMs) - first)]++;
      }
    }
    List<Bin> bins = new ArrayList<>();
    for (long k = first; k <= last; k++) {
      long from = Math.max(0, faultAtMs + k * binMs);
      long to = Math.min(durationMs, faultAtMs + (k + 1) * binMs);
      if ((to - from) * 2 >= binMs) {
        bins.add(new Bin(from, to, counts[(int) (k - first)] * 1000.0 / (to - from)));
      }
    }
    return bins;
  }

  /** A label in the stack above a panel's rates. */
  private record Label(String text, Font font, Color color, double left, double width) {
  }

  private static final class Painter {
    private final Graphics2D g;
    private final Layout layout;
    private final Error fontFailure;
    private final Map<String, Color> colours = new HashMap<>();
    private boolean text = true;

    Painter(Graphics2D g, Layout layout, Error fontFailure) {
      this.g = g;
      this.layout = layout;
      this.fontFailure = fontFailure;
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_OFF);
      int next = 0;
      List<String> names = new ArrayList<>();
      for (Series run : layout.shown) {
        for (Mark mark : run.marks()) {
          if (!names.contains(mark.name())) {
            names.add(mark.name());
          }
        }
      }
      // The usual phases keep their colours; the others take the rest in order of appearance.
      List<Color> free = new ArrayList<>(PALETTE);
      for (String name : names) {
        Integer usual = USUAL.get(name.toLowerCase(Locale.ROOT));
        if (usual != null) {
          colours.put(name, PALETTE.get(usual));
          free.remove(PALETTE.get(usual));
        }
      }
      for (String name : names) {
        if (!colours.containsKey(name)) {
          colours.put(name, free.isEmpty() ? PALETTE.get(next++ % PALETTE.size()) : free.remove(0));
        }
      }
    }

    void paint(String title, int runs) {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, layout.height);
      String shownNote = runs > layout.shown.size()
          ? "  (first " + layout.shown.size() + " of " + runs + " runs shown)" : "";
      text(title + shownNote, 16, 25, TITLE_FONT, Color.BLACK);
      legend(48);
      if (layout.shown.isEmpty()) {
        text("no runs to chart", LEFT, TITLE_HEIGHT + 34, NOTE_FONT, NOTE_TEXT);
      }
      for (int i = 0; i < layout.shown.size(); i++) {
        panel(i, layout.shown.get(i));
      }
      String axis = "seconds relative to the fault";
      text(axis, (LEFT + RIGHT - width(axis, NOTE_FONT)) / 2.0, layout.height - 12, NOTE_FONT, Color.BLACK);
    }

    private void legend(int baseline) {
      double x = 16;
      x = legendLine(x, baseline, COMMITS, 2.2f, "commits/s");
      if (layout.shown.stream().anyMatch(run -> !run.readsAtMs().isEmpty())) {
        x = legendLine(x, baseline, READS, 1.5f, "reads/s");
      }
      x = legendLine(x, baseline, FAULT, 3f, "fault (t = 0)");
      text("rates per " + layout.binMs + " ms bin, as per second;  shaded: the automation's phases (their length)",
          x, baseline, LABEL_FONT, NOTE_TEXT);
    }

    private double legendLine(double x, int baseline, Color colour, float stroke, String name) {
      g.setColor(colour);
      g.setStroke(new BasicStroke(stroke, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER));
      g.draw(new Line2D.Double(x, baseline - 4, x + 22, baseline - 4));
      text(name, x + 27, baseline, LABEL_FONT, Color.BLACK);
      return x + 27 + width(name, LABEL_FONT) + 18;
    }

    private void panel(int i, Series run) {
      int top = layout.plotTop(i);
      int bottom = layout.plotBottom(i);
      double runFrom = layout.x(-run.faultAtMs() / 1000.0);
      double runTo = layout.x((run.durationMs() - run.faultAtMs()) / 1000.0);

      // Outside this run (when others are longer): grey.
      g.setColor(NO_DATA);
      g.fill(new Rectangle2D.Double(LEFT, top, runFrom - LEFT, bottom - top));
      g.fill(new Rectangle2D.Double(runTo, top, RIGHT - runTo, bottom - top));

      double faultX = layout.x(0);
      List<Mark> marks = new ArrayList<>(run.marks());
      marks.sort(Comparator.comparingLong(Mark::startMs).thenComparingLong(Mark::endMs).thenComparing(Mark::name));
      // The labels first: their rows decide how much height the rates get.
      List<Label> labels = new ArrayList<>();
      labels.add(label("fault", FAULT_FONT, FAULT, faultX + 3));
      for (Mark mark : marks) {
        double start = layout.x((mark.startMs() - run.faultAtMs()) / 1000.0);
        String name = mark.startMs() == mark.endMs() ? mark.name()
            : mark.name() + " " + length(mark.endMs() - mark.startMs());
        labels.add(label(name, LABEL_FONT, darker(colours.get(mark.name())), start + 2));
      }
      int[] rows = stack(labels);
      int used = 0;
      for (int row : rows) {
        used = Math.max(used, row + 1);
      }
      int dataTop = top + used * LABEL_ROW + 8;

      List<Bin> commits = bins(run.commitsAtMs(), run.durationMs(), run.faultAtMs(), layout.binMs);
      // No reads at all: the drill did not read, rather than read nothing.
      List<Bin> reads = run.readsAtMs().isEmpty() ? List.of()
          : bins(run.readsAtMs(), run.durationMs(), run.faultAtMs(), layout.binMs);
      double max = 0;
      for (Bin bin : commits) {
        max = Math.max(max, bin.perSecond());
      }
      for (Bin bin : reads) {
        max = Math.max(max, bin.perSecond());
      }
      double step = niceStep(Math.max(max, 4) / 4);
      double yMax = Math.max(step, Math.ceil(max / step - 1e-9) * step);
      DoubleUnaryOperator y = rate -> bottom - rate / yMax * (bottom - dataTop);

      // Grid.
      g.setStroke(new BasicStroke(1f));
      g.setColor(GRID);
      double xStep = niceStep((layout.toS - layout.fromS) / 16);
      for (long k = (long) Math.ceil(layout.fromS / xStep - 1e-9); k * xStep <= layout.toS + 1e-9; k++) {
        double x = Math.round(layout.x(k * xStep)) + 0.5;
        g.draw(new Line2D.Double(x, top, x, bottom));
      }
      for (int k = 1; k * step <= yMax + 1e-9; k++) {
        double yy = Math.round(y.applyAsDouble(k * step)) + 0.5;
        g.draw(new Line2D.Double(LEFT, yy, RIGHT, yy));
      }

      // The phases.
      for (Mark mark : marks) {
        Color colour = colours.get(mark.name());
        double from = clamp(layout.x((mark.startMs() - run.faultAtMs()) / 1000.0));
        double to = clamp(layout.x((mark.endMs() - run.faultAtMs()) / 1000.0));
        if (mark.startMs() == mark.endMs()) {
          g.setColor(colour);
          g.setStroke(new BasicStroke(1.5f));
          g.draw(new Line2D.Double(from, top, from, bottom));
        } else if (to - from < 3) {
          // Too short to shade: a line a little wider than a point's, still in the phase's colour.
          g.setColor(alpha(colour, 170));
          g.fill(new Rectangle2D.Double((from + to) / 2 - 1.25, top, 2.5, bottom - top));
        } else {
          g.setColor(alpha(colour, 48));
          g.fill(new Rectangle2D.Double(from, top, to - from, bottom - top));
          g.setColor(alpha(colour, 150));
          g.setStroke(new BasicStroke(1f));
          g.draw(new Line2D.Double(from + 0.5, top, from + 0.5, bottom));
          g.draw(new Line2D.Double(to - 0.5, top, to - 0.5, bottom));
        }
      }

      // The rates: commits filled, reads lighter, commits on top.
      if (!commits.isEmpty()) {
        Path2D fill = steps(commits, run.faultAtMs(), y, true, bottom);
        g.setColor(COMMITS_FILL);
        g.fill(fill);
      }
      if (!reads.isEmpty()) {
        g.setColor(READS);
        g.setStroke(new BasicStroke(1.4f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER));
        g.draw(steps(reads, run.faultAtMs(), y, false, bottom));
      }
      if (!commits.isEmpty()) {
        g.setColor(COMMITS);
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER));
        g.draw(steps(commits, run.faultAtMs(), y, false, bottom));
      }

      // The fault.
      g.setColor(FAULT);
      g.setStroke(new BasicStroke(3f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER));
      g.draw(new Line2D.Double(faultX, top, faultX, bottom));

      // Axes.
      g.setColor(AXIS);
      g.setStroke(new BasicStroke(1f));
      g.draw(new Line2D.Double(LEFT - 0.5, top, LEFT - 0.5, bottom + 0.5));
      g.draw(new Line2D.Double(LEFT - 0.5, bottom + 0.5, RIGHT, bottom + 0.5));
      for (long k = (long) Math.ceil(layout.fromS / xStep - 1e-9); k * xStep <= layout.toS + 1e-9; k++) {
        double x = Math.round(layout.x(k * xStep)) + 0.5;
        g.draw(new Line2D.Double(x, bottom + 1, x, bottom + 5));
        String tick = number(k, xStep);
        text(tick, x - width(tick, TICK_FONT) / 2.0, bottom + 18, TICK_FONT, k == 0 ? FAULT : TICK_TEXT);
      }
      for (int k = 0; k * step <= yMax + 1e-9; k++) {
        double yy = Math.round(y.applyAsDouble(k * step)) + 0.5;
        g.setColor(AXIS);
        g.draw(new Line2D.Double(LEFT - 5, yy, LEFT - 1, yy));
        String tick = number(k, step);
        text(tick, LEFT - 8 - width(tick, TICK_FONT), yy + 4, TICK_FONT, TICK_TEXT);
      }
      String unit = "per second";
      AffineTransform saved = g.getTransform();
      g.rotate(-Math.PI / 2, 26, (top + bottom) / 2.0);
      text(unit, 26 - width(unit, TICK_FONT) / 2.0, (top + bottom) / 2.0 + 4, TICK_FONT, TICK_TEXT);
      g.setTransform(saved);

      // Labels: the panel's, then the phases' stack, each on a white ground to stay legible over the bands.
      int panelTop = layout.panelTop(i);
      text(run.label(), LEFT, panelTop + 19, PANEL_FONT, Color.BLACK);
      String counts = run.commitsAtMs().size() + " commits, " + run.readsAtMs().size() + " reads";
      text(counts, RIGHT - width(counts, TICK_FONT), panelTop + 19, TICK_FONT, NOTE_TEXT);
      for (int l = 0; l < labels.size(); l++) {
        Label label = labels.get(l);
        if (label.width() == 0) {
          continue;
        }
        double rowTop = top + 2 + rows[l] * LABEL_ROW;
        g.setColor(new Color(255, 255, 255, 220));
        g.fill(new RoundRectangle2D.Double(label.left(), rowTop, label.width(), LABEL_ROW - 2, 5, 5));
        text(label.text(), label.left() + 3, rowTop + 10.5, label.font(), label.color());
      }
      if (run.commitsAtMs().isEmpty()) {
        String none = "no commits recorded";
        text(none, (LEFT + RIGHT - width(none, NOTE_FONT)) / 2.0, (dataTop + bottom) / 2.0, NOTE_FONT, NOTE_TEXT);
      }
    }

    /** The step line (or the area under it) of a run's bins. */
    private Path2D steps(List<Bin> bins, long faultAtMs, DoubleUnaryOperator y, boolean area,
        int bottom) {
      Path2D path = new Path2D.Double();
      Bin first = bins.get(0);
      double start = layout.x((first.fromMs() - faultAtMs) / 1000.0);
      if (area) {
        path.moveTo(start, bottom);
        path.lineTo(start, y.applyAsDouble(first.perSecond()));
      } else {
        path.moveTo(start, y.applyAsDouble(first.perSecond()));
      }
      for (Bin bin : bins) {
        double level = y.applyAsDouble(bin.perSecond());
        path.lineTo(layout.x((bin.fromMs() - faultAtMs) / 1000.0), level);
        path.lineTo(layout.x((bin.toMs() - faultAtMs) / 1000.0), level);
      }
      if (area) {
        path.lineTo(layout.x((bins.get(bins.size() - 1).toMs() - faultAtMs) / 1000.0), bottom);
        path.closePath();
      }
      return path;
    }

    private Label label(String name, Font font, Color colour, double left) {
      double w = width(name, font);
      w = w == 0 ? 0 : w + 6;
      left = Math.max(LEFT + 1, Math.min(left, RIGHT - 1 - w));
      return new Label(name, font, colour, left, w);
    }

    /** Each label's row: the first, from the top, where it overlaps no label already there. */
    private static int[] stack(List<Label> labels) {
      int[] rows = new int[labels.size()];
      List<List<double[]>> taken = new ArrayList<>();
      for (int l = 0; l < labels.size(); l++) {
        Label label = labels.get(l);
        if (label.width() == 0) {
          continue;
        }
        double from = label.left() - 3;
        double to = label.left() + label.width() + 3;
        int row = 0;
        while (row < MAX_LABEL_ROWS - 1 && row < taken.size()
            && taken.get(row).stream().anyMatch(span -> span[0] < to && from < span[1])) {
          row++;
        }
        while (taken.size() <= row) {
          taken.add(new ArrayList<>());
        }
        taken.get(row).add(new double[] {from, to});
        rows[l] = row;
      }
      return rows;
    }

    private void text(String s, double x, double y, Font font, Color colour) {
      if (!text) {
        return;
      }
      try {
        if (fontFailure != null) {
          throw fontFailure;
        }
        g.setFont(font);
        g.setColor(colour);
        g.drawString(s, (float) x, (float) y);
      } catch (RuntimeException | Error e) {
        noText(e);
      }
    }

    private int width(String s, Font font) {
      if (!text) {
        return 0;
      }
      try {
        if (fontFailure != null) {
          throw fontFailure;
        }
        return g.getFontMetrics(font).stringWidth(s);
      } catch (RuntimeException | Error e) {
        noText(e);
        return 0;
      }
    }

    /** Fonts do not work here (none installed, no fontconfig): the rest of the chart is drawn without text. */
    private void noText(Throwable e) {
      if (e instanceof VirtualMachineError && !(e instanceof InternalError)) {
        throw (VirtualMachineError) e;
      }
      // Said once per chart: the text drawn before (if any) is kept, nothing more is tried.
      text = false;
      System.err.println("pgpilot: the drill chart is drawn without text: Java cannot render fonts here (" + e
          + "); install the Debian packages libfontconfig1 and fonts-dejavu-core (lab/prerequisites.sh does)");
    }

    private static double clamp(double x) {
      return Math.max(LEFT, Math.min(RIGHT, x));
    }
  }

  /** 1, 2 or 5 times a power of ten, the smallest at least raw. */
  static double niceStep(double raw) {
    double power = Math.pow(10, Math.floor(Math.log10(raw)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * power >= raw * (1 - 1e-9)) {
        return m * power;
      }
    }
    return 10 * power;
  }

  /** k steps, without a trailing ".0" or a "-0". */
  private static String number(long k, double step) {
    if (k == 0) {
      return "0";
    }
    double value = k * step;
    if (Math.abs(value - Math.rint(value)) < 1e-6) {
      return String.format(Locale.ROOT, "%d", Math.round(value));
    }
    return String.format(Locale.ROOT, step >= 0.1 ? "%.1f" : "%.2f", value);
  }

  /** A phase's length: "40 ms", "2.41 s", "12.5 s". */
  static String length(long ms) {
    if (ms < 1000) {
      return ms + " ms";
    }
    return String.format(Locale.ROOT, ms < 10_000 ? "%.2f s" : "%.1f s", ms / 1000.0);
  }

  private static Color alpha(Color colour, int alpha) {
    return new Color(colour.getRed(), colour.getGreen(), colour.getBlue(), alpha);
  }

  private static Color darker(Color colour) {
    return new Color(colour.getRed() * 7 / 10, colour.getGreen() * 7 / 10, colour.getBlue() * 7 / 10);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
