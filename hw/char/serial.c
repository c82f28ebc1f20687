/*
 * 16550A UART (register layout and behaviour from the National Semiconductor
 * PC16550D datasheet).
 *
 * Transmission is instantaneous: a byte written to THR goes straight to the
 * chardev, so THR and the transmitter are always empty (LSR.THRE|TEMT) and
 * there is no transmit FIFO to model. Received bytes go through a 16-byte
 * FIFO (1-byte holding register with FIFOs off). Input that arrives while
 * the FIFO is full waits in a backlog instead of being lost to an overrun:
 * the host side has no flow control the guest could use, and a paste into
 * the terminal should reach the guest whole.
 */
#include <inttypes.h>
#include <string.h>

#include <glib.h>

#include "hw/char/serial.h"
#include "softmmu/log.h"

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

#define UART_IER_ERBFI  0x01    /* received data available */
#define UART_IER_ETBEI  0x02    /* transmitter holding register empty */
#define UART_IER_ELSI   0x04    /* receiver line status */
#define UART_IER_EDSSI  0x08    /* modem status */

#define UART_IIR_NO_INT 0x01
#define UART_IIR_ID     0x0e
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

#define SERIAL_FIFO_SIZE    16
#define SERIAL_BACKLOG_SIZE 4096

struct SerialState {
    IRQLine *irq;
    Chardev *chr;
    int irq_level;

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

    uint8_t rx_fifo[SERIAL_FIFO_SIZE];
    unsigned rx_head, rx_count;

    uint8_t backlog[SERIAL_BACKLOG_SIZE];
    unsigned backlog_head, backlog_count;
};

static bool serial_fifo_enabled(const SerialState *s)
{
    return s->fcr & UART_FCR_ENABLE;
}

static unsigned serial_rx_capacity(const SerialState *s)
{
    return serial_fifo_enabled(s) ? SERIAL_FIFO_SIZE : 1;
}

static unsigned serial_rx_trigger(const SerialState *s)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };

    return levels[s->fcr >> 6];
}

static uint8_t serial_lsr(const SerialState *s)
{
    return s->lsr_errors | UART_LSR_THRE | UART_LSR_TEMT |
           (s->rx_count ? UART_LSR_DR : 0);
}

/* The highest-priority pending interrupt, datasheet Table IV order. */
static uint8_t serial_iir(const SerialState *s)
{
    uint8_t id = UART_IIR_NO_INT;

    if ((s->ier & UART_IER_ELSI) && s->lsr_errors) {
        id = UART_IIR_RLSI;
    } else if ((s->ier & UART_IER_ERBFI) && s->rx_count) {
        /*
         * Below the trigger level the 16550 reports a character timeout
         * after four character times of quiet. There is no line timing
         * here, so the timeout is taken to have expired at once.
         */
        id = serial_fifo_enabled(s) && s->rx_count < serial_rx_trigger(s)
             ? UART_IIR_CTI : UART_IIR_RDI;
    } else if ((s->ier & UART_IER_ETBEI) && s->thr_ipending) {
        id = UART_IIR_THRI;
    } else if ((s->ier & UART_IER_EDSSI) && (s->msr & UART_MSR_DELTAS)) {
        id = UART_IIR_MSI;
    }
    return id | (serial_fifo_enabled(s) ? UART_IIR_FIFO : 0);
}

/*
 * The INTR pin follows "an interrupt is pending". (The PC gates it with
 * MCR.OUT2 on the board; like QEMU, that gate is not modelled.)
 */
static void serial_update_irq(SerialState *s)
{
    int level = !(serial_iir(s) & UART_IIR_NO_INT);

    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq, level);
    }
}

static void serial_rx_clear(SerialState *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
}

/* A character reaches the receiver; with no room it is an overrun. */
static void serial_rx_push(SerialState *s, uint8_t byte)
{
    if (s->rx_count < serial_rx_capacity(s)) {
        s->rx_fifo[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = byte;
        s->rx_count++;
        return;
    }
    s->lsr_errors |= UART_LSR_OE;
    if (!serial_fifo_enabled(s)) {
        /* 16450 mode: the new character overwrites the holding register. */
        s->rx_fifo[s->rx_head] = byte;
    }
    /* FIFO mode: the character in the shift register is lost. */
}

/* Move waiting input into the receiver as far as it has room. */
static void serial_rx_refill(SerialState *s)
{
    if (s->mcr & UART_MCR_LOOP) {
        return;
    }
    while (s->backlog_count && s->rx_count < serial_rx_capacity(s)) {
        serial_rx_push(s, s->backlog[s->backlog_head]);
        s->backlog_head = (s->backlog_head + 1) % SERIAL_BACKLOG_SIZE;
        s->backlog_count--;
    }
}

/* Chardev input; called with the global lock held. */
static void serial_receive(void *opaque, const uint8_t *buf, size_t len)
{
    SerialState *s = opaque;
    size_t dropped = 0;

    /* In loopback the receiver is cut off from the serial input pin. */
    if (s->mcr & UART_MCR_LOOP) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (s->backlog_count == SERIAL_BACKLOG_SIZE) {
            dropped = len - i;
            break;
        }
        unsigned tail = (s->backlog_head + s->backlog_count) %
                        SERIAL_BACKLOG_SIZE;
        s->backlog[tail] = buf[i];
        s->backlog_count++;
    }
    if (dropped) {
        log_mask_printf(LOG_UNIMP, "serial: guest not reading, %zu input "
                        "bytes dropped\n", dropped);
    }
    serial_rx_refill(s);
    serial_update_irq(s);
}

/* MSR inputs: the MCR outputs in loopback, else a connected, ready peer. */
static void serial_update_msr(SerialState *s)
{
    uint8_t in;

    if (s->mcr & UART_MCR_LOOP) {
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

static void serial_transmit(SerialState *s, uint8_t byte)
{
    if (s->mcr & UART_MCR_LOOP) {
        serial_rx_push(s, byte);
    } else {
        chardev_write(s->chr, &byte, 1);
    }
    /* Sent at once, so THR is empty again: THRE interrupt. */
    s->thr_ipending = true;
}

static void serial_write_fcr(SerialState *s, uint8_t val)
{
    /* Turning the FIFOs on or off empties them (datasheet, FCR bit 0). */
    if ((val ^ s->fcr) & UART_FCR_ENABLE) {
        serial_rx_clear(s);
    }
    /* The other bits are only programmed while bit 0 is being set. */
    if (val & UART_FCR_ENABLE) {
        if (val & UART_FCR_CLEAR_RX) {
            serial_rx_clear(s);
        }
        s->fcr = val & (UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIGGER);
    } else {
        s->fcr = 0;
    }
    serial_rx_refill(s);
}

static uint64_t serial_read(void *opaque, uint64_t offset, unsigned size)
{
    SerialState *s = opaque;
    uint8_t val = 0;

    switch (offset) {
    case UART_RBR:
        if (s->lcr & UART_LCR_DLAB) {
            val = s->divisor & 0xff;
            break;
        }
        if (s->rx_count) {
            s->rbr_last = s->rx_fifo[s->rx_head];
            s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
            s->rx_count--;
            serial_rx_refill(s);
        }
        val = s->rbr_last;
        break;
    case UART_IER:
        val = (s->lcr & UART_LCR_DLAB) ? s->divisor >> 8 : s->ier;
        break;
    case UART_IIR:
        val = serial_iir(s);
        /* Reading IIR clears a THRE interrupt it reports. */
        if ((val & (UART_IIR_ID | UART_IIR_NO_INT)) == UART_IIR_THRI) {
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
            s->thr_ipending = false;
            serial_transmit(s, val);
        }
        break;
    case UART_IER:
        if (s->lcr & UART_LCR_DLAB) {
            s->divisor = (s->divisor & 0x00ff) | (val << 8);
        } else {
            /* Enabling ETBEI with THR empty raises THRE at once; drivers
             * (Linux's 8250) rely on it to start transmitting. */
            if ((val & UART_IER_ETBEI) && !(s->ier & UART_IER_ETBEI)) {
                s->thr_ipending = true;
            }
            s->ier = val & 0x0f;
        }
        break;
    case UART_FCR:
        serial_write_fcr(s, val);
        break;
    case UART_LCR:
        s->lcr = val;
        break;
    case UART_MCR:
        s->mcr = val & UART_MCR_MASK;
        serial_update_msr(s);
        serial_rx_refill(s);
        break;
    case UART_LSR:
    case UART_MSR:
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

static void serial_reset(SerialState *s)
{
    s->divisor = 12;            /* 9600 baud from the 1.8432 MHz clock */
    s->ier = 0;
    s->fcr = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->lsr_errors = 0;
    s->scr = 0;
    s->rbr_last = 0;
    s->thr_ipending = false;
    serial_rx_clear(s);
    serial_update_msr(s);
    s->msr &= ~UART_MSR_DELTAS;
    serial_update_irq(s);
}

SerialState *serial_create(IOSpace *io, uint32_t iobase, IRQLine *irq,
                           Chardev *chr)
{
    SerialState *s = g_new0(SerialState, 1);

    s->irq = irq;
    s->chr = chr;
    serial_reset(s);
    io_map(io, "serial", iobase, 8, &serial_ops, s);
    chardev_set_receive(chr, serial_receive, s);
    return s;
}
