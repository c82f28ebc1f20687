/*
 * 8042 keyboard controller (IBM PC AT Technical Reference, "Keyboard
 * Controller"; command set as Linux's drivers/input/serio/i8042.h uses
 * it), and the PS/2 keyboard's command protocol (IBM "Keyboard/Auxiliary
 * Device Controller" and the MF2 keyboard's commands).
 *
 * The keyboard here answers commands with ACK (0xFA) and the replies a
 * real one gives (reset: 0xAA, identify: 0xAB 0x83, which the 8042 hands
 * on as 0xAB 0x41 when it translates scancodes) but never sends
 * scancodes; it lives in this file until a hw/input/ps2.c with real
 * input exists. The auxiliary port has no device: bytes sent to it are
 * answered 0xFE (resend), which Linux's psmouse takes as "no mouse".
 *
 * One byte at a time sits in the output buffer; the keyboard's and the
 * aux port's further bytes wait in small queues and move in when the
 * guest has read the buffer (port 0x60). IRQ 1 / IRQ 12 follow "output
 * buffer full" with keyboard / aux data, when the command byte enables
 * them.
 */
#include <inttypes.h>
#include <string.h>

#include <glib.h>

#include "hw/input/i8042.h"
#include "softmmu/cpus.h"
#include "softmmu/log.h"
#include "softmmu/reset.h"

/* Status register (port 0x64 read) */
#define STAT_OBF        0x01    /* output buffer full */
#define STAT_IBF        0x02    /* input buffer full: never, writes are instant */
#define STAT_SYS        0x04    /* system flag: self-test passed */
#define STAT_CMD        0x08    /* last write was to 0x64 */
#define STAT_UNLOCKED   0x10    /* keyboard not inhibited by the key lock */
#define STAT_AUX_OBF    0x20    /* output buffer holds aux data */

/* Command byte (controller RAM byte 0) */
#define CTR_KBD_INT     0x01
#define CTR_AUX_INT     0x02
#define CTR_SYS         0x04
#define CTR_KBD_DIS     0x10
#define CTR_AUX_DIS     0x20
#define CTR_XLATE       0x40

/* Output port */
#define OUT_RESET       0x01    /* 0: hold the CPU in reset */
#define OUT_A20         0x02
#define OUT_KBD_IRQ     0x10
#define OUT_AUX_IRQ     0x20
#define OUT_RESET_VALUE 0xcf    /* clock/data lines high, A20 on, no reset */

/* Controller commands (port 0x64 write) */
#define CMD_READ_CTR        0x20
#define CMD_WRITE_CTR       0x60
#define CMD_AUX_DISABLE     0xa7
#define CMD_AUX_ENABLE      0xa8
#define CMD_AUX_TEST        0xa9
#define CMD_SELF_TEST       0xaa
#define CMD_KBD_TEST        0xab
#define CMD_KBD_DISABLE     0xad
#define CMD_KBD_ENABLE      0xae
#define CMD_READ_INPUT      0xc0
#define CMD_READ_OUTPUT     0xd0
#define CMD_WRITE_OUTPUT    0xd1
#define CMD_WRITE_KBD_OBUF  0xd2
#define CMD_WRITE_AUX_OBUF  0xd3
#define CMD_WRITE_AUX       0xd4
#define CMD_DISABLE_A20     0xdd
#define CMD_ENABLE_A20      0xdf
#define CMD_READ_TEST       0xe0
#define CMD_PULSE_FIRST     0xf0    /* 0xF0-0xFF: pulse output bits 3:0 low */

#define SELF_TEST_OK        0x55
#define PORT_TEST_OK        0x00

/* Keyboard commands (port 0x60 write) and replies */
#define KBD_CMD_SET_LEDS    0xed
#define KBD_CMD_ECHO        0xee
#define KBD_CMD_SCANCODE    0xf0
#define KBD_CMD_IDENTIFY    0xf2
#define KBD_CMD_TYPEMATIC   0xf3
#define KBD_CMD_ENABLE      0xf4
#define KBD_CMD_DISABLE     0xf5
#define KBD_CMD_DEFAULTS    0xf6
#define KBD_CMD_RESEND      0xfe
#define KBD_CMD_RESET       0xff
#define KBD_REPLY_ACK       0xfa
#define KBD_REPLY_POR       0xaa    /* basic assurance test passed */
#define KBD_REPLY_RESEND    0xfe
#define KBD_ID_1            0xab
#define KBD_ID_2            0x83    /* MF2 keyboard */
#define KBD_ID_2_XLATE      0x41    /* 0x83 as a translating 8042 passes it */

#define I8042_QUEUE_SIZE    16

typedef struct I8042Queue {
    uint8_t data[I8042_QUEUE_SIZE];
    int head, count;
} I8042Queue;

struct I8042State {
    IRQLine *kbd_irq, *aux_irq;
    uint8_t status;
    uint8_t ctr;
    uint8_t outport;
    uint8_t obuf;
    uint8_t pending_cmd;    /* controller command waiting for its data */
    uint8_t ram[32];        /* controller RAM bytes 1-31 (0 is the ctr) */
    I8042Queue kbd, aux;
    /* Keyboard */
    uint8_t kbd_pending;    /* command waiting for its argument, or 0 */
    uint8_t kbd_scancode_set;
    bool kbd_scanning;
    uint8_t last_kbd_byte;  /* for the resend command */
};

static void queue_push(I8042Queue *q, uint8_t v)
{
    if (q->count == I8042_QUEUE_SIZE) {
        log_mask_printf(LOG_GUEST_ERROR, "i8042: queue full, byte 0x%02x "
                        "dropped\n", v);
        return;
    }
    q->data[(q->head + q->count++) % I8042_QUEUE_SIZE] = v;
}

static uint8_t queue_pop(I8042Queue *q)
{
    uint8_t v = q->data[q->head];

    q->head = (q->head + 1) % I8042_QUEUE_SIZE;
    q->count--;
    return v;
}

static void i8042_update_irqs(I8042State *s)
{
    bool full = s->status & STAT_OBF;
    bool aux = s->status & STAT_AUX_OBF;
    bool kbd_irq = full && !aux && (s->ctr & CTR_KBD_INT);
    bool aux_irq = full && aux && (s->ctr & CTR_AUX_INT);

    s->outport &= ~(OUT_KBD_IRQ | OUT_AUX_IRQ);
    s->outport |= (kbd_irq ? OUT_KBD_IRQ : 0) | (aux_irq ? OUT_AUX_IRQ : 0);
    irq_set(s->kbd_irq, kbd_irq);
    irq_set(s->aux_irq, aux_irq);
}

static void i8042_fill_obuf(I8042State *s, uint8_t v, bool aux)
{
    s->obuf = v;
    s->status |= STAT_OBF;
    s->status = aux ? (s->status | STAT_AUX_OBF) : (s->status & ~STAT_AUX_OBF);
}

/* Moves a waiting device byte into an empty output buffer: the
 * keyboard's first, unless its port is disabled. */
static void i8042_update(I8042State *s)
{
    if (!(s->status & STAT_OBF)) {
        if (s->kbd.count && !(s->ctr & CTR_KBD_DIS)) {
            i8042_fill_obuf(s, queue_pop(&s->kbd), false);
        } else if (s->aux.count && !(s->ctr & CTR_AUX_DIS)) {
            i8042_fill_obuf(s, queue_pop(&s->aux), true);
        }
    }
    i8042_update_irqs(s);
}

/* A controller reply: straight into the output buffer, as keyboard data. */
static void i8042_reply(I8042State *s, uint8_t v)
{
    i8042_fill_obuf(s, v, false);
    i8042_update(s);
}

/* ---- The keyboard ---- */

static void kbd_send(I8042State *s, uint8_t v)
{
    s->last_kbd_byte = v;
    queue_push(&s->kbd, v);
}

static void kbd_defaults(I8042State *s)
{
    s->kbd_scancode_set = 2;
    s->kbd_scanning = true;
}

static void kbd_write(I8042State *s, uint8_t v)
{
    uint8_t pending = s->kbd_pending;

    s->kbd_pending = 0;
    if (pending) {
        /* The argument of SET_LEDS, SCANCODE or TYPEMATIC */
        if (pending == KBD_CMD_SCANCODE) {
            kbd_send(s, KBD_REPLY_ACK);
            if (v == 0) {
                kbd_send(s, s->kbd_scancode_set);
            } else if (v <= 3) {
                s->kbd_scancode_set = v;
            }
        } else {
            kbd_send(s, KBD_REPLY_ACK);
        }
        return;
    }
    switch (v) {
    case KBD_CMD_SET_LEDS:
    case KBD_CMD_SCANCODE:
    case KBD_CMD_TYPEMATIC:
        s->kbd_pending = v;
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case KBD_CMD_ECHO:
        kbd_send(s, KBD_CMD_ECHO);
        break;
    case KBD_CMD_IDENTIFY:
        kbd_send(s, KBD_REPLY_ACK);
        kbd_send(s, KBD_ID_1);
        kbd_send(s, s->ctr & CTR_XLATE ? KBD_ID_2_XLATE : KBD_ID_2);
        break;
    case KBD_CMD_ENABLE:
        s->kbd_scanning = true;
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case KBD_CMD_DISABLE:
        kbd_defaults(s);
        s->kbd_scanning = false;
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case KBD_CMD_DEFAULTS:
        kbd_defaults(s);
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case KBD_CMD_RESEND:
        queue_push(&s->kbd, s->last_kbd_byte);
        break;
    case KBD_CMD_RESET:
        kbd_defaults(s);
        s->kbd.count = 0;
        kbd_send(s, KBD_REPLY_ACK);
        kbd_send(s, KBD_REPLY_POR);
        break;
    default:
        log_mask_printf(LOG_UNIMP, "i8042: keyboard command 0x%02x\n", v);
        kbd_send(s, KBD_REPLY_RESEND);
        break;
    }
}

/* ---- The controller ---- */

static void i8042_write_outport(I8042State *s, uint8_t v)
{
    s->outport = v;
    if (!(v & OUT_RESET)) {
        system_reset_request();
    }
}

/* Data (port 0x60) completing a controller command. */
static void i8042_command_data(I8042State *s, uint8_t cmd, uint8_t v)
{
    switch (cmd) {
    case CMD_WRITE_CTR:
        s->ctr = v;
        break;
    case CMD_WRITE_OUTPUT:
        i8042_write_outport(s, v);
        break;
    case CMD_WRITE_KBD_OBUF:
        i8042_fill_obuf(s, v, false);
        break;
    case CMD_WRITE_AUX_OBUF:
        i8042_fill_obuf(s, v, true);
        break;
    case CMD_WRITE_AUX:
        queue_push(&s->aux, KBD_REPLY_RESEND);     /* nothing plugged in */
        break;
    default:        /* 0x61-0x7F: controller RAM */
        s->ram[cmd & 0x1f] = v;
        break;
    }
}

static bool i8042_command_takes_data(uint8_t cmd)
{
    return (cmd >= CMD_WRITE_CTR && cmd <= CMD_WRITE_CTR + 0x1f) ||
           cmd == CMD_WRITE_OUTPUT || cmd == CMD_WRITE_KBD_OBUF ||
           cmd == CMD_WRITE_AUX_OBUF || cmd == CMD_WRITE_AUX;
}

static void i8042_command(I8042State *s, uint8_t cmd)
{
    if (i8042_command_takes_data(cmd)) {
        s->pending_cmd = cmd;
        return;
    }
    if (cmd > CMD_READ_CTR && cmd <= CMD_READ_CTR + 0x1f) {
        i8042_reply(s, s->ram[cmd & 0x1f]);
        return;
    }
    if (cmd >= CMD_PULSE_FIRST) {
        /* Bits 3:0 low pulse those output lines; bit 0 is CPU reset. */
        if (!(cmd & OUT_RESET)) {
            system_reset_request();
        }
        return;
    }
    switch (cmd) {
    case CMD_READ_CTR:
        i8042_reply(s, s->ctr);
        break;
    case CMD_AUX_DISABLE:
        s->ctr |= CTR_AUX_DIS;
        break;
    case CMD_AUX_ENABLE:
        s->ctr &= ~CTR_AUX_DIS;
        break;
    case CMD_AUX_TEST:
    case CMD_KBD_TEST:
        i8042_reply(s, PORT_TEST_OK);
        break;
    case CMD_SELF_TEST:
        s->ctr |= CTR_SYS;
        i8042_reply(s, SELF_TEST_OK);
        break;
    case CMD_KBD_DISABLE:
        s->ctr |= CTR_KBD_DIS;
        break;
    case CMD_KBD_ENABLE:
        s->ctr &= ~CTR_KBD_DIS;
        break;
    case CMD_READ_INPUT:
        /* Bit 7: keyboard not inhibited; bit 4: more than 256 KiB RAM */
        i8042_reply(s, 0x80);
        break;
    case CMD_READ_OUTPUT:
        i8042_reply(s, s->outport);
        break;
    case CMD_DISABLE_A20:
        s->outport &= ~OUT_A20;
        break;
    case CMD_ENABLE_A20:
        s->outport |= OUT_A20;
        break;
    case CMD_READ_TEST:
        i8042_reply(s, 0x00);
        break;
    default:
        log_mask_printf(LOG_UNIMP, "i8042: controller command 0x%02x\n",
                        cmd);
        break;
    }
}

static uint64_t i8042_data_read(void *opaque, uint64_t offset, unsigned size)
{
    I8042State *s = opaque;
    uint8_t v = s->obuf;

    /* Reading with nothing new gives the last byte again, as the chip.
     * The IRQ drops before a waiting byte raises it again: IRQ 1 and 12
     * are edge-triggered, and the chip's OBF does go low in between. */
    s->status &= ~(STAT_OBF | STAT_AUX_OBF);
    i8042_update_irqs(s);
    i8042_update(s);
    return v;
}

static void i8042_data_write(void *opaque, uint64_t offset, uint64_t value,
                             unsigned size)
{
    I8042State *s = opaque;
    uint8_t cmd = s->pending_cmd;

    s->status &= ~STAT_CMD;
    s->pending_cmd = 0;
    if (cmd) {
        i8042_command_data(s, cmd, value);
    } else {
        /* Writing to the keyboard enables its port (8042 behaviour). */
        s->ctr &= ~CTR_KBD_DIS;
        kbd_write(s, value);
    }
    i8042_update(s);
}

static uint64_t i8042_status_read(void *opaque, uint64_t offset,
                                  unsigned size)
{
    I8042State *s = opaque;

    return (s->status & ~STAT_SYS) | (s->ctr & CTR_SYS ? STAT_SYS : 0);
}

static void i8042_command_write(void *opaque, uint64_t offset, uint64_t value,
                                unsigned size)
{
    I8042State *s = opaque;

    s->status |= STAT_CMD;
    s->pending_cmd = 0;
    i8042_command(s, value);
    i8042_update(s);
}

static const MemOps i8042_data_ops = {
    .read = i8042_data_read, .write = i8042_data_write,
    .min_size = 1, .max_size = 1,
};

static const MemOps i8042_cmd_ops = {
    .read = i8042_status_read, .write = i8042_command_write,
    .min_size = 1, .max_size = 1,
};

bool i8042_a20_enabled(I8042State *s)
{
    return s->outport & OUT_A20;
}

/*
 * The state a BIOS leaves (there is none on the direct Linux boot path):
 * self-test passed, both ports enabled with their interrupts, scancode
 * translation on. A machine reset comes back to it, the bytes in flight
 * dropped.
 */
static void i8042_reset(void *opaque)
{
    I8042State *s = opaque;

    s->status = STAT_UNLOCKED;
    s->ctr = CTR_KBD_INT | CTR_AUX_INT | CTR_SYS | CTR_XLATE;
    s->outport = OUT_RESET_VALUE;
    s->obuf = 0;
    s->pending_cmd = 0;
    memset(s->ram, 0, sizeof(s->ram));
    s->kbd.head = s->kbd.count = 0;
    s->aux.head = s->aux.count = 0;
    s->kbd_pending = 0;
    s->last_kbd_byte = 0;
    kbd_defaults(s);
    i8042_update_irqs(s);
}

I8042State *i8042_create(IOSpace *io, IRQLine *kbd_irq, IRQLine *aux_irq)
{
    I8042State *s = g_new0(I8042State, 1);

    s->kbd_irq = kbd_irq;
    s->aux_irq = aux_irq;
    i8042_reset(s);
    reset_register(i8042_reset, s);
    io_map(io, "i8042-data", I8042_DATA_PORT, 1, &i8042_data_ops, s);
    io_map(io, "i8042-cmd", I8042_CMD_PORT, 1, &i8042_cmd_ops, s);
    return s;
}
