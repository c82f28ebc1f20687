/*
 * 16550A UART (register layout and behaviour from the National Semiconductor
 * / TI PC16550D datasheet).
 *
 * Transmission takes no line time: a byte written to THR goes to the
 * chardev at once, as in QEMU. It waits in the 16-byte transmit FIFO (one
 * holding register with FIFOs off) only while the backend cannot take it,
 * a socket whose peer is slow: then THRE stays clear and the guest waits,
 * which is the flow control a real line would give.
 *
 * Reception goes through a 16-byte FIFO (1-byte holding register with
 * FIFOs off). The chardev is asked to read no more than there is room for,
 * so host input waits in the backend rather than overrunning; overruns
 * (LSR.OE) happen only in loopback, where the guest feeds itself. Below the
 * trigger level the character timeout (IIR 0xC) follows four character
 * times of the programmed line speed after the last character in or out of
 * the FIFO, on the virtual clock.
 *
 * On a PC the UART's INTR pin reaches the 8259 through a buffer enabled by
 * the OUT2 output; in loopback the modem outputs are forced inactive, so
 * the interrupt does not reach the PIC then (IIR still shows it).
 */
#include <inttypes.h>
#include <string.h>

#include <glib.h>

#include "hw/char/serial.h"
#include "softmmu/clock.h"
#include "softmmu/log.h"
#include "softmmu/reset.h"

/* Register offsets */
#define UART_RBR 0      /* read, DLAB=0 */
#define UART_THR 0      /* write, DLAB=0 */
#define UART_DLL 0      /* DLAB=1 */
#define UART_IER 1      /* DLAB=0 */
#define UART_DLM 1      /* DLAB=1 */
#define UART_IIR 2      /* read */
#define UART_FCR 2      /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_ERBFI  0x01    /* received data available (and timeout) */
#define UART_IER_ETBEI  0x02    /* transmitter holding register empty */
#define UART_IER_ELSI   0x04    /* receiver line status */
#define UART_IER_EDSSI  0x08    /* modem status */
#define UART_IER_MASK   0x0f

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI    0x00
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_RLSI   0x06
#define UART_IIR_CTI    0x0c    /* character timeout (FIFO mode) */
#define UART_IIR_FIFO   0xc0

#define UART_FCR_ENABLE   0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_FCR_DMA      0x08
#define UART_FCR_TRIGGER  0xc0

#define UART_LCR_WLS    0x03    /* word length - 5 */
#define UART_LCR_STB    0x04    /* 2 stop bits (1.5 with 5-bit words) */
#define UART_LCR_PEN    0x08    /* parity bit */
#define UART_LCR_BREAK  0x40
#define UART_LCR_DLAB   0x80

#define UART_MCR_DTR    0x01
#define UART_MCR_RTS    0x02
#define UART_MCR_OUT1   0x04
#define UART_MCR_OUT2   0x08
#define UART_MCR_LOOP   0x10
#define UART_MCR_MASK   0x1f

#define UART_LSR_DR     0x01
#define UART_LSR_OE     0x02
#define UART_LSR_PE     0x04
#define UART_LSR_FE     0x08
#define UART_LSR_BI     0x10
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40
#define UART_LSR_FIFOE  0x80    /* an error somewhere in the RX FIFO */
#define UART_LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS   0x01
#define UART_MSR_DDSR   0x02
#define UART_MSR_TERI   0x04
#define UART_MSR_DDCD   0x08
#define UART_MSR_DELTAS 0x0f
#define UART_MSR_CTS    0x10
#define UART_MSR_DSR    0x20
#define UART_MSR_RI     0x40
#define UART_MSR_DCD    0x80

#define SERIAL_FIFO_SIZE 16
/* The baud rate generator's input: 1.8432 MHz / 16 per bit. */
#define SERIAL_BAUD_BASE 115200

typedef struct SerialFifo {
    uint8_t data[SERIAL_FIFO_SIZE];
    uint8_t flags[SERIAL_FIFO_SIZE];    /* LSR PE/FE/BI of each character */
    unsigned head, count;
} SerialFifo;

struct SerialState {
    IRQLine *irq;
    Chardev *chr;
    int irq_level;
    Timer *timeout_timer;       /* the RX FIFO's character timeout */

    uint16_t divisor;
    uint8_t ier;
    uint8_t fcr;
    uint8_t lcr;
    uint8_t mcr;
    uint8_t lsr_errors;         /* sticky LSR error bits, cleared by reading */
    uint8_t msr;
    uint8_t scr;
    uint8_t rbr_last;           /* what RBR reads when nothing was received */
    bool thr_ipending;          /* THRE interrupt latched, not yet cleared */
    bool timeout_ipending;      /* character timeout expired */

    SerialFifo rx, tx;
};

static void fifo_clear(SerialFifo *f)
{
    f->head = 0;
    f->count = 0;
}

static void fifo_push(SerialFifo *f, uint8_t byte, uint8_t flags)
{
    unsigned tail = (f->head + f->count) % SERIAL_FIFO_SIZE;

    f->data[tail] = byte;
    f->flags[tail] = flags;
    f->count++;
}

static uint8_t fifo_pop(SerialFifo *f)
{
    uint8_t byte = f->data[f->head];

    f->head = (f->head + 1) % SERIAL_FIFO_SIZE;
    f->count--;
    return byte;
}

static bool serial_fifo_enabled(const SerialState *s)
{
    return s->fcr & UART_FCR_ENABLE;
}

static bool serial_loopback(const SerialState *s)
{
    return s->mcr & UART_MCR_LOOP;
}

static unsigned serial_fifo_capacity(const SerialState *s)
{
    return serial_fifo_enabled(s) ? SERIAL_FIFO_SIZE : 1;
}

static unsigned serial_rx_trigger(const SerialState *s)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };

    return levels[s->fcr >> 6];
}

/*
 * One character's time on the line: start bit, data bits, parity, stop
 * bits, at SERIAL_BAUD_BASE / divisor bits per second. The datasheet
 * leaves a divisor of 0 undefined; it is taken as 65536 (the slowest).
 */
static int64_t serial_char_ns(const SerialState *s)
{
    unsigned half_bits = 2 * (1 + 5 + (s->lcr & UART_LCR_WLS)) +
                         ((s->lcr & UART_LCR_PEN) ? 2 : 0) + 2;
    uint64_t divisor = s->divisor ? s->divisor : 65536;

    if (s->lcr & UART_LCR_STB) {
        half_bits += (s->lcr & UART_LCR_WLS) ? 2 : 1;
    }
    return (int64_t)(half_bits * divisor * 1000000000ull /
                     (2 * SERIAL_BAUD_BASE));
}

static uint8_t serial_lsr(const SerialState *s)
{
    uint8_t lsr = s->lsr_errors;

    if (s->rx.count) {
        lsr |= UART_LSR_DR;
    }
    /* Transmission takes no time: the shift register empties with THR. */
    if (s->tx.count == 0) {
        lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    }
    if (serial_fifo_enabled(s)) {
        for (unsigned i = 0; i < s->rx.count; i++) {
            if (s->rx.flags[(s->rx.head + i) % SERIAL_FIFO_SIZE]) {
                lsr |= UART_LSR_FIFOE;
                break;
            }
        }
    }
    return lsr;
}

/* The highest-priority pending interrupt, datasheet Table IV order. */
static uint8_t serial_iir(const SerialState *s)
{
    uint8_t id = UART_IIR_NO_INT;

    if ((s->ier & UART_IER_ELSI) && (s->lsr_errors & UART_LSR_ERRORS)) {
        id = UART_IIR_RLSI;
    } else if ((s->ier & UART_IER_ERBFI) && s->rx.count &&
               (!serial_fifo_enabled(s) ||
                s->rx.count >= serial_rx_trigger(s))) {
        id = UART_IIR_RDI;
    } else if ((s->ier & UART_IER_ERBFI) && s->rx.count &&
               s->timeout_ipending) {
        id = UART_IIR_CTI;
    } else if ((s->ier & UART_IER_ETBEI) && s->thr_ipending) {
        id = UART_IIR_THRI;
    } else if ((s->ier & UART_IER_EDSSI) && (s->msr & UART_MSR_DELTAS)) {
        id = UART_IIR_MSI;
    }
    return id | (serial_fifo_enabled(s) ? UART_IIR_FIFO : 0);
}

/* INTR, through the PC's OUT2 gate (see the top of the file). */
static void serial_update_irq(SerialState *s)
{
    bool gate = (s->mcr & UART_MCR_OUT2) && !serial_loopback(s);
    int level = gate && !(serial_iir(s) & UART_IIR_NO_INT);

    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq, level);
    }
}

/* The FIFO saw a character come or go: the timeout starts over. */
static void serial_timeout_restart(SerialState *s)
{
    s->timeout_ipending = false;
    if (serial_fifo_enabled(s) && s->rx.count) {
        timer_mod(s->timeout_timer, clock_get_ns() + 4 * serial_char_ns(s));
    } else {
        timer_del(s->timeout_timer);
    }
}

static void serial_timeout_expired(void *opaque)
{
    SerialState *s = opaque;

    if (serial_fifo_enabled(s) && s->rx.count) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

static void serial_rx_clear(SerialState *s)
{
    fifo_clear(&s->rx);
    serial_timeout_restart(s);
}

/*
 * A character (with its PE/FE/BI flags) reaches the receiver; with no
 * room it is an overrun. The flags of the character at the top of the
 * FIFO show in LSR.
 */
static void serial_rx_push(SerialState *s, uint8_t byte, uint8_t flags)
{
    if (s->rx.count < serial_fifo_capacity(s)) {
        if (s->rx.count == 0) {
            s->lsr_errors |= flags;
        }
        fifo_push(&s->rx, byte, flags);
    } else {
        s->lsr_errors |= UART_LSR_OE;
        if (!serial_fifo_enabled(s)) {
            /* 16450 mode: the new character overwrites the holding
             * register. */
            s->rx.data[s->rx.head] = byte;
            s->rx.flags[s->rx.head] = flags;
            s->lsr_errors |= flags;
        }
        /* FIFO mode: the character in the shift register is lost. */
    }
    serial_timeout_restart(s);
}

/* Chardev: how much host input the receiver takes now. */
static size_t serial_can_receive(void *opaque)
{
    SerialState *s = opaque;

    /* In loopback the receiver is cut off from the serial input pin;
     * input waits until loopback ends. */
    if (serial_loopback(s)) {
        return 0;
    }
    return serial_fifo_capacity(s) - MIN(s->rx.count,
                                         serial_fifo_capacity(s));
}

static void serial_receive(void *opaque, const uint8_t *buf, size_t len)
{
    SerialState *s = opaque;

    for (size_t i = 0; i < len; i++) {
        serial_rx_push(s, buf[i], 0);
    }
    serial_update_irq(s);
}

/* The receiver has room again: let the backend read. */
static void serial_rx_room(SerialState *s)
{
    if (!serial_loopback(s) && s->rx.count < serial_fifo_capacity(s)) {
        chardev_accept_input(s->chr);
    }
}

/* A break: the line held low for a character time or more. */
static void serial_rx_break(SerialState *s)
{
    /* One zero character goes into the FIFO, flagged with BI. */
    serial_rx_push(s, 0, UART_LSR_BI);
}

/* Send what the transmit FIFO holds, as far as the backend takes it. */
static void serial_tx_drain(SerialState *s)
{
    bool had_data = s->tx.count != 0;

    while (s->tx.count) {
        if (serial_loopback(s)) {
            serial_rx_push(s, fifo_pop(&s->tx), 0);
            continue;
        }
        unsigned run = MIN(s->tx.count, SERIAL_FIFO_SIZE - s->tx.head);
        size_t done = chardev_write(s->chr, s->tx.data + s->tx.head, run);

        s->tx.head = (s->tx.head + done) % SERIAL_FIFO_SIZE;
        s->tx.count -= done;
        if (done < run) {
            break;      /* the backend calls serial_write_ready later */
        }
    }
    if (had_data && s->tx.count == 0) {
        s->thr_ipending = true;
    }
}

static void serial_write_ready(void *opaque)
{
    SerialState *s = opaque;

    serial_tx_drain(s);
    serial_update_irq(s);
}

static void serial_event(void *opaque, ChardevEvent event)
{
    SerialState *s = opaque;

    if (event == CHARDEV_EVENT_BREAK && !serial_loopback(s)) {
        serial_rx_break(s);
        serial_update_irq(s);
    }
}

static const ChardevHandlers serial_chardev_handlers = {
    .can_receive = serial_can_receive,
    .receive = serial_receive,
    .event = serial_event,
    .write_ready = serial_write_ready,
};

static void serial_write_thr(SerialState *s, uint8_t val)
{
    s->thr_ipending = false;
    if (s->tx.count >= serial_fifo_capacity(s)) {
        log_mask_printf(LOG_GUEST_ERROR, "serial: THR written while the "
                        "transmitter is full (THRE clear), 0x%02x lost\n",
                        val);
        return;
    }
    /* All 8 bits go out whatever the word length, as QEMU does: guests
     * that never program LCR (reset: 5 bits) still print text. */
    fifo_push(&s->tx, val, 0);
    serial_tx_drain(s);
}

/* MSR inputs: the MCR outputs in loopback, else a connected, ready peer. */
static void serial_update_msr(SerialState *s)
{
    uint8_t in;

    if (serial_loopback(s)) {
        in = ((s->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
             ((s->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
             ((s->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
             ((s->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0);
    } else {
        in = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
    }

    uint8_t changed = in ^ (s->msr & 0xf0);
    uint8_t deltas = s->msr & UART_MSR_DELTAS;
    if (changed & UART_MSR_CTS) {
        deltas |= UART_MSR_DCTS;
    }
    if (changed & UART_MSR_DSR) {
        deltas |= UART_MSR_DDSR;
    }
    /* TERI is set on the trailing edge of RI only. */
    if ((changed & UART_MSR_RI) && !(in & UART_MSR_RI)) {
        deltas |= UART_MSR_TERI;
    }
    if (changed & UART_MSR_DCD) {
        deltas |= UART_MSR_DDCD;
    }
    s->msr = in | deltas;
}

static void serial_write_fcr(SerialState *s, uint8_t val)
{
    bool tx_had_data = s->tx.count != 0;

    /* Turning the FIFOs on or off empties them (datasheet, FCR bit 0). */
    if ((val ^ s->fcr) & UART_FCR_ENABLE) {
        fifo_clear(&s->rx);
        fifo_clear(&s->tx);
    }
    /* The other bits are only programmed while bit 0 is being set. */
    if (val & UART_FCR_ENABLE) {
        if (val & UART_FCR_CLEAR_RX) {
            fifo_clear(&s->rx);
        }
        if (val & UART_FCR_CLEAR_TX) {
            fifo_clear(&s->tx);
        }
        if ((val & UART_FCR_DMA) && !(s->fcr & UART_FCR_DMA)) {
            log_mask_printf(LOG_UNIMP, "serial: FCR DMA mode 1 selected; "
                            "there is no DMA, RXRDY/TXRDY are not wired\n");
        }
        s->fcr = val & (UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIGGER);
    } else {
        s->fcr = 0;
    }
    if (tx_had_data && s->tx.count == 0) {
        s->thr_ipending = true;     /* THR is empty again */
    }
    serial_timeout_restart(s);
    serial_rx_room(s);
}

static void serial_write_lcr(SerialState *s, uint8_t val)
{
    bool break_starts = (val & UART_LCR_BREAK) && !(s->lcr & UART_LCR_BREAK);

    s->lcr = val;
    if (break_starts) {
        if (serial_loopback(s)) {
            serial_rx_break(s);
        } else {
            log_mask_printf(LOG_UNIMP, "serial: break on the line is not "
                            "passed to the backend\n");
        }
    }
}

static void serial_write_mcr(SerialState *s, uint8_t val)
{
    bool loop_was = serial_loopback(s);

    if (val & ~UART_MCR_MASK) {
        log_mask_printf(LOG_GUEST_ERROR, "serial: MCR bits 0x%02x are "
                        "reserved (0 on a 16550A)\n", val & ~UART_MCR_MASK);
    }
    s->mcr = val & UART_MCR_MASK;
    serial_update_msr(s);
    if (!loop_was && serial_loopback(s) && (s->lcr & UART_LCR_BREAK)) {
        serial_rx_break(s);         /* TX held low is looped to RX */
    }
    if (loop_was && !serial_loopback(s)) {
        serial_tx_drain(s);
        serial_rx_room(s);
    }
}

static uint8_t serial_read_rbr(SerialState *s)
{
    if (s->rx.count) {
        s->rbr_last = fifo_pop(&s->rx);
        /* The next character's errors show once it is at the top. */
        if (s->rx.count) {
            s->lsr_errors |= s->rx.flags[s->rx.head];
        }
        serial_timeout_restart(s);
        serial_rx_room(s);
    }
    return s->rbr_last;
}

static uint64_t serial_read(void *opaque, uint64_t offset, unsigned size)
{
    SerialState *s = opaque;
    uint8_t val = 0;

    switch (offset) {
    case UART_RBR:
        if (s->lcr & UART_LCR_DLAB) {
            val = s->divisor & 0xff;
        } else {
            val = serial_read_rbr(s);
        }
        break;
    case UART_IER:
        val = (s->lcr & UART_LCR_DLAB) ? s->divisor >> 8 : s->ier;
        break;
    case UART_IIR:
        val = serial_iir(s);
        /* Reading IIR clears a THRE interrupt it reports. */
        if ((val & 0x0f) == UART_IIR_THRI) {
            s->thr_ipending = false;
        }
        break;
    case UART_LCR:
        val = s->lcr;
        break;
    case UART_MCR:
        val = s->mcr;
        break;
    case UART_LSR:
        val = serial_lsr(s);
        s->lsr_errors = 0;
        break;
    case UART_MSR:
        val = s->msr;
        s->msr &= ~UART_MSR_DELTAS;
        break;
    case UART_SCR:
        val = s->scr;
        break;
    }
    serial_update_irq(s);
    return val;
}

static void serial_write(void *opaque, uint64_t offset, uint64_t value,
                         unsigned size)
{
    SerialState *s = opaque;
    uint8_t val = value;

    switch (offset) {
    case UART_THR:
        if (s->lcr & UART_LCR_DLAB) {
            s->divisor = (s->divisor & 0xff00) | val;
        } else {
            serial_write_thr(s, val);
        }
        break;
    case UART_IER:
        if (s->lcr & UART_LCR_DLAB) {
            s->divisor = (s->divisor & 0x00ff) | (val << 8);
            break;
        }
        /* Enabling ETBEI with THR empty raises THRE at once; drivers
         * (Linux's 8250) rely on it to start transmitting. */
        if ((val & UART_IER_ETBEI) && !(s->ier & UART_IER_ETBEI) &&
            s->tx.count == 0) {
            s->thr_ipending = true;
        }
        if (val & ~UART_IER_MASK) {
            log_mask_printf(LOG_UNIMP, "serial: IER bits 0x%02x (sleep, "
                            "low power) are not on a 16550A\n",
                            val & ~UART_IER_MASK);
        }
        s->ier = val & UART_IER_MASK;
        break;
    case UART_FCR:
        serial_write_fcr(s, val);
        break;
    case UART_LCR:
        serial_write_lcr(s, val);
        break;
    case UART_MCR:
        serial_write_mcr(s, val);
        break;
    case UART_LSR:
    case UART_MSR:
        /* Factory test registers on the 16550: writes do nothing useful. */
        log_mask_printf(LOG_GUEST_ERROR, "serial: write 0x%02x to read-only "
                        "%s ignored\n", val,
                        offset == UART_LSR ? "LSR" : "MSR");
        break;
    case UART_SCR:
        s->scr = val;
        break;
    }
    serial_update_irq(s);
}

static const MemOps serial_ops = {
    .read = serial_read,
    .write = serial_write,
    .min_size = 1,
    .max_size = 1,
};

/* The datasheet's reset values (Table V); the divisor is not reset by
 * MR, so it starts at 9600 baud, a common firmware default. */
static void serial_reset(void *opaque)
{
    SerialState *s = opaque;

    s->divisor = 12;
    s->ier = 0;
    s->fcr = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->lsr_errors = 0;
    s->scr = 0;
    s->rbr_last = 0;
    s->thr_ipending = false;
    fifo_clear(&s->tx);
    serial_rx_clear(s);
    serial_update_msr(s);
    s->msr &= ~UART_MSR_DELTAS;
    serial_update_irq(s);
    /* Input the backend held back while the FIFO was full may come now. */
    serial_rx_room(s);
}

SerialState *serial_create(IOSpace *io, uint32_t iobase, IRQLine *irq,
                           Chardev *chr)
{
    SerialState *s = g_new0(SerialState, 1);

    s->irq = irq;
    s->chr = chr;
    s->timeout_timer = timer_new(serial_timeout_expired, s);
    serial_reset(s);
    reset_register(serial_reset, s);
    io_map(io, "serial", iobase, 8, &serial_ops, s);
    chardev_set_handlers(chr, &serial_chardev_handlers, s);
    return s;
}
