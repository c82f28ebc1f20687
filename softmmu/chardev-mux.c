/*
 * The mux ("mon:SPEC"): QEMU's Ctrl-A escapes in front of one frontend.
 * C-a x quits, C-a h prints the keys, C-a b sends a break, C-a C-a a
 * literal Ctrl-A; C-a c would switch to the monitor, which bt86 does not
 * have yet. Escapes are acted on as they are read, even while the frontend
 * is full: the other bytes wait in a buffer here, so a guest that does not
 * read its UART can still be quit, until that buffer fills.
 */
#include <stdlib.h>
#include <string.h>

#include "softmmu/chardev-internal.h"

/* Bytes held for a full frontend. */
#define MUX_HELD_SIZE 4096
#define MUX_ESCAPE    0x01      /* Ctrl-A, as QEMU */

typedef struct MuxChardev {
    Chardev parent;
    Chardev *inner;             /* the backend the mux reads and writes */
    bool got_escape;
    uint8_t held[MUX_HELD_SIZE];
    unsigned held_head, held_count;
} MuxChardev;

static MuxChardev *mux_chardev(Chardev *chr)
{
    return (MuxChardev *)chr;
}

static const char mux_help[] =
    "\r\n"
    "C-a h    print this help\r\n"
    "C-a x    exit bt86\r\n"
    "C-a s    save disk data back to file (no disks: does nothing)\r\n"
    "C-a t    toggle console timestamps (not supported)\r\n"
    "C-a b    send break (magic SysRq)\r\n"
    "C-a c    switch between console and monitor (no monitor yet)\r\n"
    "C-a C-a  send C-a\r\n";

static void mux_write_str(MuxChardev *mux, const char *s)
{
    chardev_write(mux->inner, (const uint8_t *)s, strlen(s));
}

static void mux_hold(MuxChardev *mux, uint8_t byte)
{
    /* The inner chardev never gives more than there is room for. */
    if (mux->held_count < MUX_HELD_SIZE) {
        mux->held[(mux->held_head + mux->held_count) % MUX_HELD_SIZE] = byte;
        mux->held_count++;
    }
}

/* Hand held input to the frontend as far as it has room. */
static void mux_flush(MuxChardev *mux)
{
    Chardev *chr = &mux->parent;

    while (mux->held_count) {
        size_t room = chardev_fe_can_receive(chr);
        size_t run = MIN(mux->held_count, MUX_HELD_SIZE - mux->held_head);

        if (room == 0) {
            break;
        }
        run = MIN(run, room);
        chr->fe->receive(chr->fe_opaque, mux->held + mux->held_head, run);
        mux->held_head = (mux->held_head + run) % MUX_HELD_SIZE;
        mux->held_count -= run;
    }
}

static void mux_escape(MuxChardev *mux, uint8_t key)
{
    switch (key) {
    case 'h':
    case '?':
        mux_write_str(mux, mux_help);
        break;
    case 'x':
        mux_write_str(mux, "bt86: Terminated\r\n");
        /* atexit handlers put the terminal back. */
        exit(0);
    case 'c':
        /*
         * QEMU switches the terminal between the serial port and the
         * monitor. bt86 has no monitor yet: say so and stay on the port.
         */
        mux_write_str(mux, "\r\nbt86: there is no monitor yet; staying on "
                      "the serial port\r\n");
        break;
    case 'b':
        chardev_fe_event(&mux->parent, CHARDEV_EVENT_BREAK);
        break;
    case MUX_ESCAPE:
        mux_hold(mux, MUX_ESCAPE);
        break;
    default:
        /* 's' (no disks), 't' (no timestamps) and unknown keys: nothing,
         * as QEMU swallows them too. */
        break;
    }
}

/* ---- The inner chardev's frontend is the mux ---- */

static size_t mux_inner_can_receive(void *opaque)
{
    MuxChardev *mux = opaque;

    return MUX_HELD_SIZE - mux->held_count;
}

static void mux_inner_receive(void *opaque, const uint8_t *buf, size_t len)
{
    MuxChardev *mux = opaque;

    for (size_t i = 0; i < len; i++) {
        if (mux->got_escape) {
            mux->got_escape = false;
            mux_escape(mux, buf[i]);
        } else if (buf[i] == MUX_ESCAPE) {
            mux->got_escape = true;
        } else {
            mux_hold(mux, buf[i]);
        }
    }
    mux_flush(mux);
}

static void mux_inner_event(void *opaque, ChardevEvent event)
{
    MuxChardev *mux = opaque;

    chardev_fe_event(&mux->parent, event);
}

static void mux_inner_write_ready(void *opaque)
{
    MuxChardev *mux = opaque;

    chardev_fe_write_ready(&mux->parent);
}

static const ChardevHandlers mux_inner_handlers = {
    .can_receive = mux_inner_can_receive,
    .receive = mux_inner_receive,
    .event = mux_inner_event,
    .write_ready = mux_inner_write_ready,
};

/* ---- The mux as a chardev ---- */

static size_t mux_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    return chardev_write(mux_chardev(chr)->inner, buf, len);
}

static void mux_input_update(Chardev *chr)
{
    MuxChardev *mux = mux_chardev(chr);

    mux_flush(mux);
    chardev_input_update(mux->inner);
}

static bool mux_input_paused(const Chardev *chr)
{
    const MuxChardev *mux = (const MuxChardev *)chr;

    return mux->held_count || chardev_input_paused(mux->inner);
}

/* Reading starts once there is a frontend for the bytes. */
static void mux_attach(Chardev *chr)
{
    MuxChardev *mux = mux_chardev(chr);

    chardev_set_handlers(mux->inner, &mux_inner_handlers, mux);
}

static void mux_receive(Chardev *chr, const uint8_t *buf, size_t len)
{
    mux_inner_receive(mux_chardev(chr), buf, len);
}

static const ChardevClass mux_class = {
    .name = "mux",
    .write = mux_write,
    .input_update = mux_input_update,
    .input_paused = mux_input_paused,
    .attach = mux_attach,
    .receive = mux_receive,
};

Chardev *chardev_mux_new(const char *label, Chardev *inner)
{
    MuxChardev *mux = (MuxChardev *)chardev_alloc(
        &mux_class, sizeof(MuxChardev), label, -1, -1);

    mux->inner = inner;
    return &mux->parent;
}
