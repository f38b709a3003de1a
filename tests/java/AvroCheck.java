// SPDX-License-Identifier: Apache-2.0
// Independent check of Avro files written by qberg, with Java's Avro (Debian libavro-java):
// opens each FILE with DataFileReader + GenericDatumReader, reads every record, and prints
//   FILE records=N codec=C
//   digest SHA256            (of every record's GenericData toString: equal digests = equal values)
//   meta KEY=VALUE            (header keys other than avro.*, sorted)
//   id PATH=FIELD_ID          (schema.getField(x).getObjectProp("field-id"), depth-first;
//                              element-id / key-id / value-id / logicalType of arrays and maps too)
// Usage: java -cp ... AvroCheck FILE...
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

public class AvroCheck {
  static void ids(Schema s, String path, List<String> out, List<String> seen) {
    switch (s.getType()) {
      case RECORD:
        if (seen.contains(s.getFullName())) return;
        seen.add(s.getFullName());
        for (Schema.Field f : s.getFields()) {
          String p = path.isEmpty() ? f.name() : path + "." + f.name();
          Object id = f.getObjectProp("field-id");
          if (id != null) out.add("id " + p + "=" + id);
          ids(f.schema(), p, out, seen);
        }
        seen.remove(seen.size() - 1);
        break;
      case UNION:
        for (Schema b : s.getTypes()) ids(b, path, out, seen);
        break;
      case ARRAY:
        for (String k : new String[] {"element-id", "logicalType"})
          if (s.getObjectProp(k) != null) out.add("prop " + path + "[]." + k + "=" + s.getObjectProp(k));
        ids(s.getElementType(), path + "[]", out, seen);
        break;
      case MAP:
        for (String k : new String[] {"key-id", "value-id"})
          if (s.getObjectProp(k) != null) out.add("prop " + path + "{}." + k + "=" + s.getObjectProp(k));
        ids(s.getValueType(), path + "{}", out, seen);
        break;
      default:
        break;
    }
  }

  public static void main(String[] args) throws Exception {
    for (String name : args) {
      GenericDatumReader<GenericRecord> dr = new GenericDatumReader<>();
      try (DataFileReader<GenericRecord> r = new DataFileReader<>(new File(name), dr)) {
        long n = 0;
        GenericRecord rec = null;
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        while (r.hasNext()) {
          rec = r.next(rec);
          md.update((rec.toString() + "\n").getBytes(StandardCharsets.UTF_8));
          n++;
        }
        String codec = r.getMetaString("avro.codec");
        System.out.println(new File(name).getName() + " records=" + n + " codec=" + (codec == null ? "null" : codec));
        StringBuilder hex = new StringBuilder();
        for (byte b : md.digest()) hex.append(String.format("%02x", b));
        System.out.println("digest " + hex);
        List<String> keys = new ArrayList<>(r.getMetaKeys());
        Collections.sort(keys);
        for (String k : keys)
          if (!k.startsWith("avro.")) System.out.println("meta " + k + "=" + r.getMetaString(k));
        List<String> out = new ArrayList<>();
        ids(r.getSchema(), "", out, new ArrayList<String>());
        for (String line : out) System.out.println(line);
      }
    }
  }
}
