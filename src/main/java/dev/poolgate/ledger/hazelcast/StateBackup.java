package dev.poolgate.ledger.hazelcast;

import com.hazelcast.map.EntryProcessor;
import dev.poolgate.scheduling.PoolState;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The backup side of every {@link PoolProcessor}: sets the backup replica to the state the owner
 * produced. The state is copied to bytes when the backup is made (on the owner's partition
 * thread), so later operations on the live object cannot leak into it.
 */
public final class StateBackup implements EntryProcessor<String, PoolState, Object> {
  private static final long serialVersionUID = 1L;

  private final byte[] state;

  StateBackup(PoolState state) {
    this.state = toBytes(state);
  }

  @Override
  public Object process(Map.Entry<String, PoolState> entry) {
    entry.setValue(fromBytes(state));
    return null;
  }

  @Override
  public EntryProcessor<String, PoolState, Object> getBackupProcessor() {
    return null;
  }

  private static byte[] toBytes(PoolState s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(s);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy pool state " + s.name(), e);
    }
    return bytes.toByteArray();
  }

  private static PoolState fromBytes(byte[] b) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b))) {
      return (PoolState) in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalStateException("cannot restore a pool state backup", e);
    }
  }
}
